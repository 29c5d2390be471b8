"""The stack's database and signing key for the `todo` commands that act on accounts and tasks
directly (`todo users`, `todo token`, `todo tasks`): `--stack`, or automatically when the
default stack is running and no TODO_DATA_DIR / DATABASE_URL says otherwise."""

from __future__ import annotations

import json
from pathlib import Path

from backend_services.platform.settings import Settings
from devtools.settings import dev_settings

from . import postgres
from .paths import StackLayout, default_stack_dir


class NoStack(RuntimeError):
    """--stack was asked for, but there is no stack (or it is not running)."""


def stack_settings(root: Path | None = None) -> Settings:
    """Settings that reach the stack in `root` (default: the default stack dir)."""
    layout = StackLayout(root or default_stack_dir())
    if not layout.secrets_file.exists() or not postgres.is_running(layout.postgres):
        raise NoStack(f"no running stack in {layout.root} (start it with `todo stack up`)")
    stored = json.loads(layout.secrets_file.read_text(encoding="utf-8"))
    return Settings(
        data_dir=layout.data,
        database_url=stored["database-url"],
        secrets_file=layout.secrets_file,
    )


def running_stack() -> Settings | None:
    """The default stack's settings when it runs and nothing in the environment points
    elsewhere; None otherwise (the embedded data dir then, as before)."""
    if dev_settings().product_pointed_elsewhere():
        return None
    layout = StackLayout(default_stack_dir())
    if not (layout.secrets_file.exists() and (layout.postgres / "data" / "PG_VERSION").exists()):
        return None  # cheap checks first: most `todo` runs have no stack at all
    try:
        return stack_settings(layout.root)
    except NoStack:
        return None
