"""Rendering of the Dapr resource templates (no processes needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from devtools.stack.paths import APP_IDS
from devtools.stack.resources import (
    RenderError,
    components_for,
    render_all,
    render_text,
    write_secrets,
)

VALUES = {
    "KAFKA_BROKERS": "127.0.0.1:9092",
    "SECRETS_FILE": "/tmp/x/secrets.json",
    "NAME_RESOLUTION_DB": "/tmp/x/nr.db",
    "OTLP_ENDPOINT": "127.0.0.1:4318",
}


def test_render_leaves_dapr_templates_and_rejects_unknown() -> None:
    rendered = render_text("{{KAFKA_BROKERS}} {uuid} {appID}", VALUES)
    assert rendered == "127.0.0.1:9092 {uuid} {appID}"
    with pytest.raises(RenderError):
        render_text("{{NOPE}}", VALUES)


def test_render_all(tmp_path: Path) -> None:
    comps, config = tmp_path / "components", tmp_path / "todo-config.yaml"
    render_all(VALUES, comps, config)
    cfg = yaml.safe_load(config.read_text())
    assert cfg["kind"] == "Configuration"
    assert cfg["spec"]["nameResolution"]["configuration"]["connectionString"] == "/tmp/x/nr.db"
    assert cfg["spec"]["tracing"]["otel"] == {
        "endpointAddress": "127.0.0.1:4318",
        "protocol": "http",
        "isSecure": False,
    }
    names = {r.name for a in APP_IDS for r in components_for(a, comps)}
    assert names == {
        "pubsub",
        "pubsub-broadcast",
        "statestore",
        "secretstore",
        "reminder-sweep",
        "todo-resiliency",
    } - {"todo-resiliency"}
    assert {r.name for r in components_for("chat-ui", comps)} == {
        "pubsub",
        "pubsub-broadcast",
        "statestore",
        "secretstore",
    }
    assert {r.name for r in components_for("reminder-service", comps)} == {
        "pubsub",
        "statestore",
        "secretstore",
        "reminder-sweep",
    }


def test_secrets_keep_signing_key(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    first = write_secrets(path, pg_keyword_dsn="host=a", database_url="postgresql+psycopg://a")
    second = write_secrets(path, pg_keyword_dsn="host=b", database_url="postgresql+psycopg://b")
    assert first["auth-signing-key"] == second["auth-signing-key"]
    assert len(second["auth-signing-key"]) == 64
    assert second["pg-connection-string"] == "host=b"
    assert path.stat().st_mode & 0o777 == 0o600
