"""One settings model per concern. Every field says what it does (its description is the
README's settings table and `todo config`'s text); the variable name is `TODO_<FIELD>`
unless an alias says otherwise (names that deployments set without our prefix).

A field marked `secret=True` is masked by `todo config`; any URL's password is masked too."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TODO_PREFIX = "TODO_"
SECRET: dict[str, Any] = {"secret": True}


class ConcernSettings(BaseSettings):
    """Every concern: `TODO_` names, unknown variables ignored; a field may be given by its
    name (tests, the stack's own settings) as well as by its variable."""

    model_config = SettingsConfigDict(env_prefix=TODO_PREFIX, extra="ignore", populate_by_name=True)


class RuntimeSettings(ConcernSettings):
    """Runtime and database"""

    public_url: str | None = Field(
        default=None,
        description="the product's external address (`scheme://host[:port][/prefix]`) as"
        " browsers and calendar apps reach it, for links it hands out (the calendar feed's"
        " URL); unset: the address the request came in on (set it behind an ingress or a proxy)",
    )

    data_dir: Path = Field(
        default=Path(".data"),
        description="SQLite database, local secrets file, first-login note, `todo up`'s logs",
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "TODO_DATABASE_URL"),
        description="e.g. `postgresql+psycopg://user:pw@host/db`; unset: SQLite in the data dir"
        " (sidecar mode: the secret store's `database-url`)",
    )
    app_id: str = Field(
        default="embedded",
        validation_alias=AliasChoices("APP_ID", "TODO_APP_ID"),
        description="this process's Dapr app id (`serve` sets it from its argument)",
    )
    secrets_file: Path | None = Field(
        default=None,
        description="the embedded runtime's and the CLI's local secrets file;"
        " unset: `secrets.json` in the data dir",
    )
    dapr_http_port: int = Field(
        default=3500,
        validation_alias="DAPR_HTTP_PORT",
        description="sidecar mode: daprd's HTTP port (Dapr's own variable)",
    )
    app_api_token: str | None = Field(
        default=None,
        validation_alias="APP_API_TOKEN",
        description="sidecar mode: the token daprd presents to its app (set by `todo stack`"
        " and the chart; Dapr's own variable); unset: runtime-only routes refuse every call",
        json_schema_extra=SECRET,
    )
    outbox_poll_seconds: float = Field(
        default=1.0, description="how often the outbox relays look for unsent events"
    )
    event_linger_ms: float = Field(
        default=20.0,
        description="under a steady flow, the outbox relays and the embedded runtime's bulk"
        " deliveries wait this long for more events (fewer, larger rounds); 0 never waits",
    )
    reminder_sweep_seconds: float = Field(
        default=60.0,
        description="embedded mode: how often reminder-service sweeps for missed reminders (on"
        " the stack and the chart, `components/reminder-sweep.yaml`'s cron says)",
    )
    reminder_sweep_grace_seconds: float = Field(
        default=30.0,
        description="the sweep rescues reminders whose job is this late (a job firing a little"
        " late keeps its turn and its lateness stays measured)",
    )


class AuthSettings(ConcernSettings):
    """Accounts, tokens and sign-in limits"""

    oauth_client_metadata_allow_private: bool = Field(
        default=False,
        description="development only: an MCP client's metadata document (its OAuth client id"
        " URL) may be http and on a loopback or private address (else https and public"
        " addresses only)",
    )

    user_token_ttl_seconds: int = Field(
        default=900, description="lifetime of a signed-in user's token (and `todo token`'s)"
    )
    service_token_ttl_seconds: int = Field(
        default=300, description="lifetime of the tokens one service presents to another"
    )
    header_auth_name: str | None = Field(
        default=None,
        description="behind an auth proxy: sign users in from this request header; unset: off",
    )
    admin_username: str | None = Field(
        default=None, description="create this admin account at start if missing"
    )
    admin_password: str | None = Field(
        default=None,
        description="the password of that admin account",
        json_schema_extra=SECRET,
    )
    login_attempts_per_minute_per_client: int = Field(
        default=20,
        description="sign-in attempts per minute from one client address (`/auth/login`, the"
        " chat's `/login`); beyond: 429 + Retry-After before any password is hashed",
    )
    login_failures_per_minute_per_account: int = Field(
        default=5, description="wrong passwords per minute for one account (then 429)"
    )
    login_failure_burst_per_account: int = Field(
        default=10, description="wrong passwords in a burst for one account (then 429)"
    )
    password_hash_threads: int = Field(default=2, description="threads of argon2's own pool")
    password_hash_queue: int = Field(
        default=16,
        description="sign-ins that may wait for that pool; beyond: 503 + Retry-After at once",
    )


class RequestLimitSettings(ConcernSettings):
    """REST requests"""

    calendar_feed_requests_per_minute: int = Field(
        default=60,
        description="calendar feed requests per minute from one client address (calendar apps"
        " poll every few hours); beyond: 429",
    )

    max_body_bytes: int = Field(
        default=64 * 1024, description="largest request body accepted (else 413)"
    )
    body_read_seconds: float = Field(
        default=30.0,
        description="a request body must have arrived this long after the request began (else 408)",
    )
    rest_writes_per_minute: int = Field(
        default=600, description="REST writes per user per minute (else 429)"
    )


class ChatSettings(ConcernSettings):
    """Chat UI"""

    max_chat_chars: int = Field(
        default=4000, description="longest chat message (refused before it is stored)"
    )
    max_chat_frame_bytes: int = Field(
        default=64 * 1024,
        description="largest chat socket frame (a 4,000-character message is at most ~24 KB"
        " as JSON); a larger one closes that socket before anything is read",
    )
    chat_turns_per_minute: int = Field(
        default=30, description="chat turns per user per minute (beyond: a polite reply)"
    )
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="JSON list of other browser origins (`scheme://host[:port]`) that may call"
        " the chat with credentials; empty: same origin only",
    )
    approval_timeout_seconds: float = Field(
        default=600.0,
        gt=0,
        description="how long a delete or bulk change the agent proposes waits for the"
        " person's yes (then it expires and nothing changes)",
    )


class LLMSettings(ConcernSettings):
    """LLM (agent)"""

    openai_base_url: str | None = Field(
        default=None,
        validation_alias="OPENAI_BASE_URL",
        description="an OpenAI-compatible server; this or an API key switches the agent to"
        " LLM mode (else the offline parser)",
    )
    openai_api_key: str = Field(
        default="",
        validation_alias="OPENAI_API_KEY",
        description="the LLM server's API key; this or a base URL switches to LLM mode",
        json_schema_extra=SECRET,
    )
    openai_model: str = Field(
        default="gpt-4o-mini",
        validation_alias="OPENAI_MODEL",
        description="the model to ask (a name the server knows)",
    )
    openai_timeout: float = Field(
        default=30.0, validation_alias="OPENAI_TIMEOUT", description="per-call timeout (s)"
    )
    openai_tool_choice: str | None = Field(
        default=None,
        validation_alias="OPENAI_TOOL_CHOICE",
        description="send `tool_choice` (e.g. `auto`; vLLM needs `--enable-auto-tool-choice`"
        " for it); unset: omitted",
    )
    openai_stream: bool = Field(
        default=True,
        validation_alias="OPENAI_STREAM",
        description="`0`, `false` or `no` asks for whole answers (a refused stream falls back"
        " by itself)",
    )

    @field_validator("openai_base_url", "openai_tool_choice", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("openai_stream", mode="before")
    @classmethod
    def _stream_unless_refused(cls, value: object) -> object:
        if isinstance(value, str):  # any other word streams, as it always did
            return value.lower() not in {"0", "false", "no"}
        return value


class TelemetrySettings(ConcernSettings):
    """Traces and metrics"""

    otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT", "TODO_OTLP_ENDPOINT"),
        description="export OpenTelemetry traces over OTLP/HTTP here; unset: tracing is off"
        " (no span is recorded)",
    )
    trace_sampling: float = Field(
        default=1.0, ge=0.0, le=1.0, description="share of new traces kept"
    )
    metrics_port: int | None = Field(
        default=None,
        description="`serve`: a listener for Prometheus metrics only (the stack and the chart"
        " set it); unset: none",
    )


class LoggingSettings(ConcernSettings):
    """Logs"""

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="log level (any case)"
    )
    log_format: Literal["json", "text"] = Field(
        default="json",
        description="`json` (one object per line with `trace_id`/`span_id`) or `text`"
        " (`todo up` writes them to `<data dir>/logs/todo.log` unless `--log-format json`)",
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


# the order of `todo config` and of the README's tables
CONCERNS: tuple[type[ConcernSettings], ...] = (
    RuntimeSettings,
    AuthSettings,
    RequestLimitSettings,
    ChatSettings,
    LLMSettings,
    TelemetrySettings,
    LoggingSettings,
)
