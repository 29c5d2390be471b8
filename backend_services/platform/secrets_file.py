"""The embedded secret store: a JSON file in the data dir, its signing key generated once."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from backend_services.platform.settings import private_dir

AUTH_SIGNING_KEY = "auth-signing-key"


def ensure_local_secrets(path: Path) -> None:
    data: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    if AUTH_SIGNING_KEY in data:
        return
    data[AUTH_SIGNING_KEY] = secrets.token_hex(32)
    private_dir(path.parent)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def read_local_secret(path: Path, key: str) -> str:
    data = json.loads(path.read_text())
    value = data
    for part in key.split(":"):
        value = value[part]
    return str(value)
