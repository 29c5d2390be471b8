"""The settings model: one class per concern composed into `Settings`, the same variables
and defaults as before, and `todo config` never showing a secret."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic_settings import BaseSettings

from agent.service import LLMConfig
from backend_services.platform.config.concerns import CONCERNS, LLMSettings
from backend_services.platform.config.fields import SECRET_WORDS, is_secret, variable_names
from backend_services.platform.config.report import (
    MASK,
    UNSET,
    effective_settings,
    mask_passwords,
    render_text,
)
from backend_services.platform.settings import Settings
from launch.cli import main as todo

ALL_VARIABLES = sorted(
    {n for cls in CONCERNS for f in cls.model_fields for n in variable_names(cls, f)}
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No setting from the machine running the tests."""
    for name in ALL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_settings_is_every_concern_and_nothing_else() -> None:
    by_concern = [name for cls in CONCERNS for name in cls.model_fields]
    assert len(by_concern) == len(set(by_concern)), "a field in two concerns"
    assert sorted(by_concern) == sorted(Settings.model_fields)
    for cls in CONCERNS:
        assert issubclass(Settings, cls)
        assert (cls.__doc__ or "").strip(), f"{cls.__name__} needs a title (its docstring)"


def test_every_field_is_described() -> None:
    for cls in CONCERNS:
        for name, field in cls.model_fields.items():
            assert field.description and len(field.description) > 10, f"{cls.__name__}.{name}"


def test_a_field_named_like_a_secret_is_marked_secret() -> None:
    for cls in CONCERNS:
        for name, field in cls.model_fields.items():
            holds_text = field.annotation is str or str in get_args(field.annotation)
            if SECRET_WORDS.search(name) and holds_text:
                assert is_secret(field), f"{cls.__name__}.{name} looks secret: mark it"


def test_the_variable_names_deployments_set_are_kept() -> None:
    # the chart, the stack and the README set these: a rename breaks a deployment
    for name in (
        "TODO_DATA_DIR",
        "DATABASE_URL",
        "TODO_DATABASE_URL",
        "APP_ID",
        "DAPR_HTTP_PORT",
        "APP_API_TOKEN",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "TODO_METRICS_PORT",
        "TODO_LOG_LEVEL",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_STREAM",
        "TODO_ADMIN_PASSWORD",
        "TODO_ALLOWED_ORIGINS",
    ):
        assert name in ALL_VARIABLES


def test_variables_set_the_composed_settings(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_URL", "postgresql://u:p@h/db")
    clean_env.setenv("TODO_LOGIN_FAILURE_BURST_PER_ACCOUNT", "3")
    clean_env.setenv("TODO_ALLOWED_ORIGINS", '["https://a.example"]')
    clean_env.setenv("TODO_LOG_LEVEL", "debug")
    clean_env.setenv("OPENAI_MODEL", "m")
    settings = Settings()
    assert settings.database_url == "postgresql://u:p@h/db"
    assert settings.login_failure_burst_per_account == 3
    assert settings.allowed_origins == ["https://a.example"]
    assert settings.log_level == "DEBUG"
    assert settings.openai_model == "m"
    assert Settings(app_id="task-service").app_id == "task-service"  # by name, as serve does


@pytest.mark.parametrize(
    ("stream", "expected"),
    [("1", True), ("0", False), ("false", False), ("No", False), ("off", True), ("", True)],
)
def test_openai_stream_reads_as_it_always_did(
    clean_env: pytest.MonkeyPatch, stream: str, expected: bool
) -> None:
    clean_env.setenv("OPENAI_STREAM", stream)
    assert LLMSettings().openai_stream is expected


def test_llm_mode_needs_a_base_url_or_a_key(clean_env: pytest.MonkeyPatch) -> None:
    assert LLMConfig.from_settings(Settings()) is None
    clean_env.setenv("OPENAI_BASE_URL", "")  # blank: unset, as before
    clean_env.setenv("OPENAI_TOOL_CHOICE", "")
    assert LLMConfig.from_settings(Settings()) is None
    clean_env.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    clean_env.setenv("OPENAI_TIMEOUT", "7")
    config = LLMConfig.from_settings(Settings())
    assert config is not None
    assert (config.base_url, config.api_key, config.timeout) == (
        "http://127.0.0.1:9/v1",
        "not-needed",
        7.0,
    )
    assert (config.model, config.tool_choice, config.stream) == ("gpt-4o-mini", None, True)


@pytest.mark.parametrize(
    ("url", "password"),
    [
        ("postgresql+psycopg://todo:hunter2@db:5432/todo", "hunter2"),
        ("postgresql://todo:p@ss/w0rd@db/todo", "p@ss/w0rd"),  # unencoded @ and /
        ("postgresql://todo@db/todo?password=hunter2&sslmode=require", "hunter2"),
        ("host=db user=todo password=hunter2 dbname=todo", "hunter2"),
        ("https://user:tok3n@collector.example:4318", "tok3n"),
    ],
)
def test_passwords_in_urls_are_masked(url: str, password: str) -> None:
    masked = mask_passwords(url)
    assert password not in masked
    assert MASK in masked
    assert "todo" in masked or "collector.example" in masked  # the rest stays readable


@pytest.mark.parametrize(
    "url", ["postgresql://todo@db/todo", "http://127.0.0.1:4318", "sqlite:////tmp/x/todo.db"]
)
def test_urls_without_a_password_are_shown_whole(url: str) -> None:
    assert mask_passwords(url) == url


def test_todo_config_masks_every_secret(
    clean_env: pytest.MonkeyPatch, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets = {
        "OPENAI_API_KEY": "sk-live-0123456789",
        "TODO_ADMIN_PASSWORD": "correct horse battery",
        "APP_API_TOKEN": "daprd-token-abc",
        "DATABASE_URL": "postgresql+psycopg://todo:pg-pass-xyz@db/todo",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel:otel-pass@collector:4318",
    }
    for name, value in secrets.items():
        clean_env.setenv(name, value)
    clean_env.setenv("TODO_DATA_DIR", str(tmp_path))
    assert todo(["config"]) == 0
    out = capsys.readouterr().out
    for value in (
        "sk-live-0123456789",
        "correct horse",
        "daprd-token-abc",
        "pg-pass-xyz",
        "otel-pass",
    ):
        assert value not in out
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith("  ")}
    assert lines["OPENAI_API_KEY"][1:] == [MASK, "env", "OPENAI_API_KEY"]
    assert lines["TODO_ADMIN_PASSWORD"][1] == MASK
    assert lines["APP_API_TOKEN"][1] == MASK
    assert lines["DATABASE_URL"][1] == f"postgresql+psycopg://todo:{MASK}@db/todo"
    assert lines["TODO_DATA_DIR"][1:] == [str(tmp_path), "env", "TODO_DATA_DIR"]
    assert lines["TODO_LOG_FORMAT"][1:] == ["json", "default"]
    for cls in CONCERNS:
        assert (cls.__doc__ or "").strip().splitlines()[0] in out


def test_sources_default_env_and_given(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TODO_APP_ID", "audit-service")  # the second name of APP_ID
    settings = Settings(metrics_port=9100)
    shown = {
        s.variable: s
        for concern in effective_settings(settings, CONCERNS, environ={"todo_app_id": "x"})
        for s in concern.settings
    }
    assert shown["APP_ID"].source == "env TODO_APP_ID"
    assert shown["TODO_METRICS_PORT"].source == "given"
    assert (shown["TODO_ADMIN_PASSWORD"].value, shown["TODO_ADMIN_PASSWORD"].source) == (
        UNSET,
        "default",
    )
    assert shown["OPENAI_API_KEY"].value == UNSET  # an empty key is not a secret to hide


def test_any_settings_class_reports(clean_env: pytest.MonkeyPatch) -> None:
    class Other(BaseSettings):
        """Other tools"""

        model_config = {"env_prefix": "OTHER_"}
        cache_dir: str = "/tmp/c"

    text = render_text(effective_settings(Other(), [Other], environ={}))
    assert text.splitlines()[:2] == ["Other tools", "  OTHER_CACHE_DIR  /tmp/c  default"]


def test_a_bad_value_names_its_variable_not_its_value(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("TODO_MAX_CHAT_CHARS", "lots")
    clean_env.setenv("OPENAI_TIMEOUT", "soon")
    with pytest.raises(SystemExit) as stopped:
        todo(["config"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "TODO_MAX_CHAT_CHARS: Input should be a valid integer" in err
    assert "OPENAI_TIMEOUT: Input should be a valid number" in err
    assert "lots" not in err and "soon" not in err and "Traceback" not in err
