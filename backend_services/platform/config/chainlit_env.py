"""Chainlit takes its own configuration from the environment only: what we hand it goes
through here, so that every environment variable the product touches by name is in this
package (tests/unit/test_env_reads.py)."""

from __future__ import annotations

import os
from pathlib import Path

CHAINLIT_APP_ROOT = "CHAINLIT_APP_ROOT"
CHAINLIT_AUTH_SECRET = "CHAINLIT_AUTH_SECRET"


def default_chainlit_app_root(app_root: Path) -> None:
    """Where Chainlit reads (and writes if missing) `.chainlit/config.toml` and `.files/` as
    soon as it is imported: `app_root` unless CHAINLIT_APP_ROOT is set (the image sets it)."""
    os.environ.setdefault(CHAINLIT_APP_ROOT, str(app_root))


def set_chainlit_auth_secret(secret: str) -> None:
    """Chainlit's session secret (derived from our signing key by chat_ui/server.py)."""
    os.environ[CHAINLIT_AUTH_SECRET] = secret
