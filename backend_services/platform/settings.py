"""Process settings, read once from the environment and passed to `create_app`."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TODO_", extra="ignore")

    data_dir: Path = Path(".data")
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "TODO_DATABASE_URL")
    )
    app_id: str = Field(default="embedded", validation_alias=AliasChoices("APP_ID", "TODO_APP_ID"))
    secrets_file: Path | None = None
    dapr_http_port: int = Field(default=3500, validation_alias="DAPR_HTTP_PORT")
    # the token daprd presents on calls to this app (Dapr's own variable name)
    app_api_token: str | None = Field(default=None, validation_alias="APP_API_TOKEN")
    user_token_ttl_seconds: int = 900
    service_token_ttl_seconds: int = 300
    max_body_bytes: int = 64 * 1024
    # a request body must have arrived this long after the request began (else 408)
    body_read_seconds: float = 30.0
    max_chat_chars: int = 4000
    # the largest socket.io frame the chat accepts (a 4,000-character message is at most
    # ~24 KB as JSON); a larger one closes that socket before anything is read into Chainlit
    max_chat_frame_bytes: int = 64 * 1024
    chat_turns_per_minute: int = 30
    rest_writes_per_minute: int = 600
    # sign-in throttling (POST /auth/login and the chat's /login): every attempt from one
    # client address, and the wrong passwords for one account; beyond either, 429 with
    # Retry-After before any password is hashed
    login_attempts_per_minute_per_client: int = 20
    login_failures_per_minute_per_account: int = 5
    login_failure_burst_per_account: int = 10
    # argon2 runs in its own pool of this many threads, with at most this many waiting;
    # beyond that a login is refused at once (503, Retry-After) instead of queueing
    password_hash_threads: int = 2
    password_hash_queue: int = 16
    outbox_poll_seconds: float = 1.0
    # under a steady flow, the outbox relays and the embedded runtime's bulk deliveries wait
    # this long for more (waiting.Linger): fewer, larger rounds for at most this much more
    # latency per event; 0 never waits
    event_linger_ms: float = 20.0
    reminder_sweep_seconds: float = 60.0
    # the sweep rescues reminders whose job is this late: a job firing a little late (a
    # scheduler restarting, a loaded box) keeps its turn and its lateness stays measured
    reminder_sweep_grace_seconds: float = 30.0
    header_auth_name: str | None = None
    # browser origins (scheme://host[:port]) that may call the chat UI with credentials,
    # besides its own; JSON list in TODO_ALLOWED_ORIGINS. Empty: same origin only.
    allowed_origins: list[str] = Field(default_factory=list)
    # development only: an MCP client's metadata document (its OAuth client id URL) may be
    # http and on a loopback or private address (else https and public addresses only)
    oauth_client_metadata_allow_private: bool = False
    admin_username: str | None = None
    admin_password: str | None = None
    # telemetry: JSON (or text) log lines at this level; traces exported over OTLP/HTTP only
    # when an endpoint is set (else off: no span is recorded); metrics on their own port
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT", "TODO_OTLP_ENDPOINT"),
    )
    trace_sampling: float = Field(default=1.0, ge=0.0, le=1.0)
    metrics_port: int | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

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
