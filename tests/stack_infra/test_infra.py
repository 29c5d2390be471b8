"""The real infrastructure the services run on: every Dapr component loads,
pub/sub reaches Kafka, jobs reach the scheduler, secrets and state work."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from devtools.stack import dapr, processes
from devtools.stack.commands import main as stack_main
from devtools.stack.paths import APP_IDS
from devtools.stack.resources import components_for, read_resources
from devtools.stack.stack import UpOptions
from tests.support.plain_http import http

from .conftest import InfraStack

pytestmark = pytest.mark.stack


@pytest.mark.parametrize("app_id", APP_IDS)
def test_every_scoped_component_loads(infra: InfraStack, app_id: str) -> None:
    expected = {(r.name, r.type) for r in components_for(app_id, infra.stack.layout.components)}
    assert expected, f"no component is scoped to {app_id}"

    status, body = http("GET", f"http://127.0.0.1:{infra.dapr_http(app_id)}/v1.0/metadata")
    assert status == 200, body
    meta = json.loads(body)
    assert meta["id"] == app_id
    loaded = {(c["name"], c["type"]) for c in meta.get("components", [])}
    assert loaded == expected

    log = infra.daprd_log(app_id)
    for name, _ in expected:
        assert f"Component loaded: {name} (" in log
    assert "level=fatal" not in log
    assert "Failed to init component" not in log
    assert "Loading Resiliency configuration: todo-resiliency" in log


def test_resources_scopes_only_known_app_ids(infra: InfraStack) -> None:
    for res in read_resources(infra.stack.layout.components):
        assert res.scopes, f"{res.kind} {res.name} has no scopes"
        assert set(res.scopes) <= set(APP_IDS), res
    rendered = "\n".join(p.read_text() for p in infra.stack.layout.components.glob("*.yaml"))
    rendered += infra.stack.layout.config_file.read_text()
    assert "{{" not in rendered


def test_publish_through_daprd_lands_on_kafka(infra: InfraStack) -> None:
    confluent_kafka = pytest.importorskip("confluent_kafka")
    topic = f"stack-test-{uuid.uuid4().hex[:8]}"
    payload = {"task_id": "t-1", "title": "buy milk", "nonce": uuid.uuid4().hex}
    port = infra.dapr_http("task-service")
    status, body = http(
        "POST",
        f"http://127.0.0.1:{port}/v1.0/publish/pubsub/{topic}?metadata.partitionKey=user-42",
        payload,
    )
    assert status == 204, body

    consumer = confluent_kafka.Consumer(
        {
            "bootstrap.servers": infra.state.infra["kafka_bootstrap"],
            "group.id": f"stack-test-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + 30
        msg = None
        while time.monotonic() < deadline:
            msg = consumer.poll(1.0)
            if msg is not None and msg.error() is None:
                break
        assert msg is not None and msg.error() is None, "no message on the topic"
        event = json.loads(msg.value())
        assert event["data"] == payload
        assert event["specversion"] == "1.0"
        assert event["source"] == "task-service"
        assert event["pubsubname"] == "pubsub"
        assert event["topic"] == topic
        assert msg.key() == b"user-42"
    finally:
        consumer.close()


def _job_data(job: dict[str, Any]) -> Any:
    """GET /v1.0/jobs/{name} returns ``data`` as a protobuf Any:
    ``{"@type": "type.googleapis.com/google.protobuf.Value", "value": <data>}``."""
    data = job["data"]
    if isinstance(data, dict) and "@type" in data:
        return data.get("value")
    return data


def test_job_is_stored_in_the_scheduler_and_survives_its_restart(infra: InfraStack) -> None:
    port = infra.dapr_http("reminder-service")
    name = f"reminder-{uuid.uuid4().hex[:8]}"
    job = {"dueTime": "1h", "data": {"reminder_id": name}}
    status, body = http("POST", f"http://127.0.0.1:{port}/v1.0/jobs/{name}", job)
    assert status == 204, body

    status, body = http("GET", f"http://127.0.0.1:{port}/v1.0/jobs/{name}")
    assert status == 200, body
    got = json.loads(body)
    assert got["name"] == name
    assert _job_data(got) == {"reminder_id": name}

    # the scheduler keeps jobs in its persisted etcd: restart it and ask again
    scheduler = infra.state.processes["scheduler"]
    assert processes.stop(scheduler)
    infra.stack.up(UpOptions(apps=False, build=False))
    deadline = time.monotonic() + 60
    while True:
        status, body = http("GET", f"http://127.0.0.1:{port}/v1.0/jobs/{name}")
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert status == 200, body
    assert _job_data(json.loads(body)) == {"reminder_id": name}

    status, _ = http("DELETE", f"http://127.0.0.1:{port}/v1.0/jobs/{name}")
    assert status == 204


def test_secret_store_serves_the_stack_secrets(infra: InfraStack) -> None:
    port = infra.dapr_http("task-service")
    status, body = http("GET", f"http://127.0.0.1:{port}/v1.0/secrets/secretstore/database-url")
    assert status == 200, body
    assert json.loads(body)["database-url"].startswith("postgresql+psycopg://todo:")
    status, body = http("GET", f"http://127.0.0.1:{port}/v1.0/secrets/secretstore/auth-signing-key")
    assert status == 200, body
    assert len(json.loads(body)["auth-signing-key"]) == 64


def test_state_store_round_trip_on_postgres(infra: InfraStack) -> None:
    port = infra.dapr_http("chat-ui")
    key = f"k-{uuid.uuid4().hex[:8]}"
    status, body = http(
        "POST", f"http://127.0.0.1:{port}/v1.0/state/statestore", [{"key": key, "value": {"a": 1}}]
    )
    assert status == 204, body
    status, body = http("GET", f"http://127.0.0.1:{port}/v1.0/state/statestore/{key}")
    assert status == 200, body
    assert json.loads(body) == {"a": 1}
    # not scoped to task-service
    status, _ = http(
        "GET", f"http://127.0.0.1:{infra.dapr_http('task-service')}/v1.0/state/statestore/{key}"
    )
    assert status >= 400


def test_status_json_and_a_second_up_is_harmless(
    infra: InfraStack, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {n: r.pid for n, r in infra.state.processes.items()}
    infra.stack.up(UpOptions(apps=False, build=False))
    after = {n: r.pid for n, r in infra.state.processes.items()}
    assert after == before

    rc = stack_main(["--stack-dir", str(infra.stack.layout.root), "status", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert rc == 0, report
    names = {p["name"] for p in report["processes"]}
    assert {"postgres", "kafka", "scheduler"} <= names
    assert {f"daprd-{a}" for a in APP_IDS} <= names
    assert all(p["healthy"] for p in report["processes"])
    assert report["infra"]["kafka_bootstrap"].startswith("127.0.0.1:")
    assert report["infra"]["postgres_dsn"].startswith("postgresql://todo:")
    assert report["infra"]["scheduler_address"].startswith("127.0.0.1:")


def test_a_crashed_sidecar_is_reported_and_restarted(
    infra: InfraStack, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = infra.state.processes["daprd-audit-service"]
    assert processes.stop(rec, timeout=10)

    rc = stack_main(["--stack-dir", str(infra.stack.layout.root), "status", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert rc == 1
    crashed = [p for p in report["processes"] if p.get("crashed")]
    assert [p["name"] for p in crashed] == ["daprd-audit-service"]

    infra.stack.up(UpOptions(apps=False, build=False))
    new = infra.state.processes["daprd-audit-service"]
    assert new.pid != rec.pid
    assert dapr.daprd_healthy(new.ports["dapr_http"])
