"""The dev tools read the environment through devtools/settings.py, when used (not at import)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.settings import DevToolsSettings, dev_settings, port_env_name, port_overrides
from devtools.stack import paths, postgres
from devtools.stack.ports import PortAllocator


def test_read_when_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TODO_STACK_DIR", str(tmp_path / "s"))
    monkeypatch.setenv("TODO_PG_BIN", str(tmp_path / "pg"))
    monkeypatch.setenv("TODO_STACK_APP_TIMEOUT", "7.5")
    assert paths.default_stack_dir() == (tmp_path / "s").resolve()
    assert postgres.pg_bin() == tmp_path / "pg"
    assert dev_settings().stack_app_timeout == 7.5
    monkeypatch.delenv("TODO_STACK_DIR")
    assert paths.default_stack_dir() == paths.REPO_ROOT / "var" / "stack"


def test_a_bad_value_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TODO_STACK_DAPRD_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="TODO_STACK_DAPRD_TIMEOUT"):
        dev_settings()


def test_port_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    assert port_env_name("chat-ui.app") == "TODO_PORT_CHAT_UI_APP"
    monkeypatch.setenv("TODO_PORT_CHAT_UI_APP", "18123")
    assert port_overrides()["TODO_PORT_CHAT_UI_APP"] == "18123"
    assert PortAllocator().get("chat-ui.app") == 18123


def test_every_field_is_described() -> None:
    for name, field in DevToolsSettings.model_fields.items():
        assert field.description, name
        assert field.validation_alias, name
