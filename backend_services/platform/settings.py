"""Process settings, read once from the environment and passed to `create_app`."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from pydantic_settings import SettingsConfigDict

from backend_services.platform.config.concerns import (
    TODO_PREFIX,
    AuthSettings,
    ChatSettings,
    LLMSettings,
    LoggingSettings,
    RequestLimitSettings,
    RuntimeSettings,
    TelemetrySettings,
)


class Settings(
    RuntimeSettings,
    AuthSettings,
    RequestLimitSettings,
    ChatSettings,
    LLMSettings,
    TelemetrySettings,
    LoggingSettings,
):
    """Every concern's fields in one object (platform/config/concerns.py says what each
    one does): what `create_app(settings, runtime)` and the entry points take."""

    model_config = SettingsConfigDict(env_prefix=TODO_PREFIX, extra="ignore", populate_by_name=True)

    def resolved_secrets_file(self) -> Path:
        """The local secrets file of the embedded runtime and the CLI."""
        return self.secrets_file or self.data_dir / "secrets.json"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{private_file(self.data_dir, 'todo.db').resolve()}"


def private_dir(path: Path) -> Path:
    """Create `path` readable by its owner only (0700); an existing directory is left as is."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def private_file(directory: Path, name: str) -> Path:
    """`directory/name`, created empty with mode 0600 if missing, tightened to 0600 if not:
    the data dir holds everyone's tasks (SQLite gives its -wal/-shm files the same mode)."""
    path = private_dir(directory) / name
    # Never open an existing file here: closing any descriptor of a SQLite database drops
    # every POSIX lock this process holds on it (the classic way to corrupt one).
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return path
