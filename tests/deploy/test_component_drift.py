"""One source of truth: the chart's Dapr resources and the local components/
share names, types, metadata keys (and their values, where they are not
environment-specific), secret references and scopes; every component name the
code uses is defined in both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from backend_services import contracts
from backend_services.contracts import AppId, EventPayload
from launch.services import PUBLIC_ROUTES

from .conftest import COMPONENTS, DEV_VALUES, Doc, Renderer, by_kind, by_name

# Type that differs on purpose, and the metadata each side then has instead.
TYPE_SWAPS = {"secretstore": ("secretstores.local.file", "secretstores.kubernetes")}
SWAPPED_KEYS = {
    "secretstore": ({"secretsFile", "nestedSeparator"}, {"defaultNamespace"}),
}
# Values that depend on where it runs (brokers; the local auth is always "none").
ENVIRONMENT_KEYS = {"brokers", "authType"}
# Keys the chart may add to the Kafka components (TLS / SASL / mTLS from values).
KAFKA_AUTH_KEYS = {
    "disableTls",
    "skipVerify",
    "caCert",
    "saslUsername",
    "saslPassword",
    "saslMechanism",
    "clientCert",
    "clientKey",
}


def local_resources() -> list[Doc]:
    docs: list[Doc] = []
    for path in sorted(COMPONENTS.glob("*.y*ml")):
        docs += [
            d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if isinstance(d, dict)
        ]
    return docs


def code_component_names() -> set[str]:
    """Component names in backend_services/contracts.py: the module constants and
    the pub/sub every event payload class publishes to."""
    names = {
        contracts.PUBSUB,
        contracts.BROADCAST_PUBSUB,
        contracts.STATESTORE,
        contracts.SECRETSTORE,
        contracts.REMINDER_SWEEP_BINDING,
    }
    names |= {cls.pubsub for cls in contracts.EVENT_TYPES.values()}
    names |= {EventPayload.pubsub}
    return names


def metadata(doc: Doc) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in doc["spec"].get("metadata") or []}


@pytest.fixture(scope="module")
def local() -> list[Doc]:
    docs = local_resources()
    assert by_kind(docs, "Component"), f"no Component in {COMPONENTS}"
    return docs


@pytest.fixture(scope="module", params=["default", "dev"])
def chart(request: pytest.FixtureRequest, render: Renderer) -> tuple[str, list[Doc]]:
    docs = render(DEV_VALUES) if request.param == "dev" else render()
    return request.param, docs


def test_same_component_names(local: list[Doc], chart: tuple[str, list[Doc]]) -> None:
    _, docs = chart
    assert set(by_name(local, "Component")) == set(by_name(docs, "Component"))


def test_code_uses_only_defined_components(local: list[Doc], chart: tuple[str, list[Doc]]) -> None:
    _, docs = chart
    used = code_component_names()
    assert len(used) >= 5
    assert used - set(by_name(local, "Component")) == set(), "missing in components/"
    assert used - set(by_name(docs, "Component")) == set(), "missing in the chart"


def test_types_versions_scopes_and_auth(local: list[Doc], chart: tuple[str, list[Doc]]) -> None:
    _, docs = chart
    mine = by_name(docs, "Component")
    for name, theirs in by_name(local, "Component").items():
        ours = mine[name]
        want = (theirs["spec"]["type"], ours["spec"]["type"])
        if name in TYPE_SWAPS:
            assert want == TYPE_SWAPS[name], name
        else:
            assert want[0] == want[1], f"{name}: type {want[0]} locally, {want[1]} in the chart"
        assert theirs["spec"].get("version") == ours["spec"].get("version"), name
        assert theirs.get("scopes") == ours.get("scopes"), f"{name}: scopes differ"
        if "auth" in theirs:
            assert theirs["auth"] == ours.get("auth"), f"{name}: auth differs"


def test_metadata_keys_and_values(local: list[Doc], chart: tuple[str, list[Doc]]) -> None:
    variant, docs = chart
    mine = by_name(docs, "Component")
    for name, theirs in by_name(local, "Component").items():
        ours = mine[name]
        local_md, chart_md = metadata(theirs), metadata(ours)
        if name in SWAPPED_KEYS:
            assert (set(local_md), set(chart_md)) == SWAPPED_KEYS[name], name
            continue
        missing = set(local_md) - set(chart_md)
        assert not missing, f"{name}: the chart lacks {missing}"
        extra = set(chart_md) - set(local_md)
        if theirs["spec"]["type"] == "pubsub.kafka":
            assert extra <= KAFKA_AUTH_KEYS, f"{name}: unexpected chart keys {extra}"
            if variant == "dev":
                assert extra == set(), f"{name}: dev (no auth) adds {extra}"
        else:
            assert extra == set(), f"{name}: chart-only keys {extra}"
        for key, item in local_md.items():
            if key in ENVIRONMENT_KEYS:
                continue
            assert item == chart_md[key], f"{name}.{key}: {item} locally, {chart_md[key]} in chart"


def test_dev_kafka_auth_matches_local(local: list[Doc], render: Renderer) -> None:
    docs = render(DEV_VALUES)
    for name, theirs in by_name(local, "Component").items():
        if theirs["spec"]["type"] == "pubsub.kafka":
            ours = by_name(docs, "Component")[name]
            assert (
                metadata(ours)["authType"]
                == metadata(theirs)["authType"]
                == {"name": "authType", "value": "none"}
            )


def test_configuration_and_resiliency(local: list[Doc], chart: tuple[str, list[Doc]]) -> None:
    _, docs = chart
    local_cfg, chart_cfg = by_name(local, "Configuration"), by_name(docs, "Configuration")
    assert set(local_cfg) == set(chart_cfg) == {"todo-config"}
    lc, cc = local_cfg["todo-config"]["spec"], chart_cfg["todo-config"]["spec"]
    assert lc["tracing"]["samplingRate"] == cc["tracing"]["samplingRate"]
    assert lc["metric"] == cc["metric"]
    assert lc.get("features", []) == cc.get("features", [])
    # Every Deployment points its sidecar at it.
    for dep in by_kind(docs, "Deployment"):
        ann = dep["spec"]["template"]["metadata"]["annotations"]
        assert ann["dapr.io/config"] == "todo-config"

    local_res, chart_res = by_name(local, "Resiliency"), by_name(docs, "Resiliency")
    assert set(local_res) == set(chart_res) == {"todo-resiliency"}
    lr, cr = local_res["todo-resiliency"], chart_res["todo-resiliency"]
    assert lr["spec"]["targets"] == cr["spec"]["targets"]
    assert lr.get("scopes") == cr.get("scopes")
    for kind in ("timeouts", "retries", "circuitBreakers"):
        assert set(lr["spec"]["policies"][kind]) == set(cr["spec"]["policies"][kind]), kind
    assert lr["spec"]["policies"]["timeouts"] == cr["spec"]["policies"]["timeouts"]
    assert lr["spec"]["policies"]["circuitBreakers"] == cr["spec"]["policies"]["circuitBreakers"]
    for policy, spec in lr["spec"]["policies"]["retries"].items():
        # initialInterval is not a field of Dapr's Retry type (dropped on load): ignore it.
        known = {k: v for k, v in spec.items() if k != "initialInterval"}
        assert known == cr["spec"]["policies"]["retries"][policy], policy
    components = set(by_name(docs, "Component"))
    assert set(cr["spec"]["targets"]["components"]) <= components


def test_scopes_are_app_ids(chart: tuple[str, list[Doc]]) -> None:
    _, docs = chart
    app_ids = {a.value for a in AppId}
    deployed = {
        d["spec"]["template"]["metadata"]["annotations"]["dapr.io/app-id"]
        for d in by_kind(docs, "Deployment")
    }
    assert deployed == app_ids
    for doc in docs:
        if str(doc.get("apiVersion", "")).startswith("dapr.io/") and "scopes" in doc:
            assert set(doc["scopes"]) <= app_ids, doc["metadata"]["name"]


def test_no_declarative_subscriptions_duplicate_the_programmatic_ones(
    local: list[Doc], chart: tuple[str, list[Doc]]
) -> None:
    _, docs = chart
    assert by_kind(local, "Subscription") == by_kind(docs, "Subscription") == []


def test_api_ingress_routes_match_the_embedded_gateway(render: Renderer) -> None:
    ingress = by_name(render(), "Ingress")["todo-todo-assistant-api"]
    paths = ingress["spec"]["rules"][0]["http"]["paths"]
    routed = {
        p["path"]: p["backend"]["service"]["name"].removeprefix("todo-todo-assistant-")
        for p in paths
    }
    assert routed == PUBLIC_ROUTES


def test_drift_is_detected(local: list[Doc], tmp_path: Path) -> None:
    """The comparison above is not vacuous: a renamed key shows up."""
    pubsub = by_name(local, "Component")["pubsub"]
    renamed = [
        dict(m, name="consumerGroupX") if m["name"] == "consumerGroup" else m
        for m in pubsub["spec"]["metadata"]
    ]
    assert set(metadata(pubsub)) != {m["name"] for m in renamed}


def test_mcp_endpoint_is_routed_to_chat_ui(render: Renderer) -> None:
    """/mcp (agent/mcp_server.py, mounted in chat-ui) reaches chat-ui through the Ingresses:
    the longest matching prefix over every Ingress path, as ingress-nginx chooses."""
    from agent.mcp_server import MCP_PATH

    routes = {
        p["path"]: p["backend"]["service"]["name"].removeprefix("todo-todo-assistant-")
        for ingress in by_kind(render(), "Ingress")
        for p in ingress["spec"]["rules"][0]["http"]["paths"]
    }
    matching = [path for path in routes if MCP_PATH.startswith(path.rstrip("/") + "/")]
    matching += [path for path in routes if path == MCP_PATH]
    assert routes[max(matching, key=len)] == AppId.CHAT_UI.value
