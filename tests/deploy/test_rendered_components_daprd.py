"""The chart's rendered Dapr resources load in a real daprd 1.18.3.

The chart (dev values, Kafka without auth, the stack's brokers) is rendered;
its Components, Resiliency and Configuration go to a resources directory as
they are, except the `secretstore` Component: secretstores.kubernetes needs an
API server, so it is swapped for a secretstores.local.file store of the SAME
name and scopes, reading the stack's secrets file (same keys as the Kubernetes
Secrets). PostgreSQL, Kafka and the scheduler come from devtools.stack
(as `todo stack up`); one daprd per app-id runs without its app (the apps need
the image this machine cannot build: there is no Docker engine).
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from backend_services.contracts import AppId
from devtools.stack import dapr, processes
from devtools.stack.paths import dapr_bin_dir
from devtools.stack.ports import free_port
from devtools.stack.stack import Stack, UpOptions
from tests.support.plain_http import http

from .conftest import DEV_VALUES, Doc, Renderer, by_kind

pytestmark = pytest.mark.stack

APP_IDS = [a.value for a in AppId]


@dataclass
class Sidecars:
    stack: Stack
    resources: Path
    docs: list[Doc]
    records: dict[str, processes.ProcessRecord]

    def port(self, app_id: str) -> int:
        return self.records[app_id].ports["dapr_http"]

    def log(self, app_id: str) -> str:
        return Path(self.records[app_id].log).read_text(errors="replace")


def local_secret_store(chart_store: Doc, secrets_file: Path) -> Doc:
    """The chart's `secretstore` with its type swapped for a local file store."""
    assert chart_store["spec"]["type"] == "secretstores.kubernetes"
    return {
        "apiVersion": chart_store["apiVersion"],
        "kind": "Component",
        "metadata": {"name": chart_store["metadata"]["name"]},
        "spec": {
            "type": "secretstores.local.file",
            "version": "v1",
            "metadata": [
                {"name": "secretsFile", "value": str(secrets_file)},
                {"name": "nestedSeparator", "value": ":"},
            ],
        },
        "scopes": chart_store["scopes"],
    }


def write_resources(docs: list[Doc], directory: Path, secrets_file: Path) -> Path:
    """Components + Resiliency into ``directory``; returns the Configuration file."""
    directory.mkdir(parents=True)
    for doc in by_kind(docs, "Component") + by_kind(docs, "Resiliency"):
        name = doc["metadata"]["name"]
        if doc["kind"] == "Component" and name == "secretstore":
            doc = local_secret_store(doc, secrets_file)
        (directory / f"{doc['kind'].lower()}-{name}.yaml").write_text(yaml.safe_dump(doc))
    (config,) = by_kind(docs, "Configuration")
    path = directory.parent / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def sidecars(tmp_path_factory: pytest.TempPathFactory, render: Renderer) -> Iterator[Sidecars]:
    root = tmp_path_factory.mktemp("deploy-stack")
    out = io.StringIO()
    stack = Stack(root / "stack", out=out)
    records: dict[str, processes.ProcessRecord] = {}
    try:
        stack.up(UpOptions(apps=False, build=True, app_ids=()))
        state = stack.load()
        brokers = state.infra["kafka_bootstrap"]
        docs = render(DEV_VALUES, sets=(f"kafka.brokers={brokers}",))
        resources = root / "resources"
        config = write_resources(docs, resources, stack.layout.secrets_file)
        for app_id in APP_IDS:
            ports = dapr.SidecarPorts(
                http=free_port(),
                grpc=free_port(),
                internal_grpc=free_port(),
                metrics=free_port(),
            )
            records[app_id] = dapr.start_daprd(
                app_id,
                ports,
                log=root / "logs" / f"daprd-{app_id}.log",
                resources_path=resources,
                config=config,
                scheduler_address=state.infra["scheduler_address"],
                cwd=root,
                bin_dir=dapr_bin_dir(),
            )
        for app_id, rec in records.items():
            http_port = rec.ports["dapr_http"]
            dapr.wait_until(
                lambda port=http_port: dapr.daprd_healthy(port),  # type: ignore[misc]
                f"daprd {app_id}",
                timeout=120,
                rec=rec,
            )
        yield Sidecars(stack, resources, docs, records)
    except Exception:
        print(out.getvalue())
        for rec in records.values():
            print(f"--- {rec.name}\n" + "\n".join(processes.tail(Path(rec.log), 40)))
        raise
    finally:
        for rec in records.values():
            processes.stop(rec)
        stack.down()


@pytest.mark.parametrize("app_id", APP_IDS)
def test_every_scoped_component_initialises(sidecars: Sidecars, app_id: str) -> None:
    expected = set()
    for comp in by_kind(sidecars.docs, "Component"):
        if app_id in comp.get("scopes", [app_id]):
            kind = comp["spec"]["type"]
            if comp["metadata"]["name"] == "secretstore":
                kind = "secretstores.local.file"
            expected.add((comp["metadata"]["name"], kind))
    assert expected, app_id
    status, body = http("GET", f"http://127.0.0.1:{sidecars.port(app_id)}/v1.0/metadata")
    assert status == 200, body
    meta = json.loads(body)
    assert meta["id"] == app_id
    assert {(c["name"], c["type"]) for c in meta.get("components", [])} == expected
    log = sidecars.log(app_id)
    for name, _ in expected:
        assert f"Component loaded: {name} (" in log, name
    assert "Failed to init component" not in log
    assert "level=fatal" not in log
    assert "todo-resiliency" in log


def test_app_secrets_resolve_through_the_secretstore(sidecars: Sidecars) -> None:
    for key in ("database-url", "auth-signing-key"):
        status, body = http(
            "GET",
            f"http://127.0.0.1:{sidecars.port('task-service')}/v1.0/secrets/secretstore/{key}",
        )
        assert status == 200, body
        assert json.loads(body)[key]


def test_statestore_connects_with_the_secret_reference(sidecars: Sidecars) -> None:
    base = f"http://127.0.0.1:{sidecars.port('chat-ui')}/v1.0/state/statestore"
    key = f"deploy-test-{uuid.uuid4().hex[:8]}"
    status, body = http("POST", base, [{"key": key, "value": {"ok": True}}])
    assert status == 204, body
    status, body = http("GET", f"{base}/{key}")
    assert status == 200 and json.loads(body) == {"ok": True}, body
    http("DELETE", f"{base}/{key}")


@pytest.mark.parametrize(
    ("app_id", "pubsub"), [("task-service", "pubsub"), ("chat-ui", "pubsub-broadcast")]
)
def test_publish_through_rendered_kafka_components(
    sidecars: Sidecars, app_id: str, pubsub: str
) -> None:
    topic = f"deploy-test-{uuid.uuid4().hex[:8]}"
    status, body = http(
        "POST",
        f"http://127.0.0.1:{sidecars.port(app_id)}/v1.0/publish/{pubsub}/{topic}"
        "?metadata.partitionKey=user-1",
        {"hello": "kubernetes"},
    )
    assert status == 204, body


def test_unscoped_component_is_not_loaded(sidecars: Sidecars) -> None:
    status, body = http(
        "GET", f"http://127.0.0.1:{sidecars.port('audit-service')}/v1.0/state/statestore/x"
    )
    assert status >= 400, body
