"""The chart's observability: every app serves metrics on its own port (no Service routes
it publicly), telemetry settings reach the containers, and the optional Prometheus Operator
objects (PodMonitor, ServiceMonitor, PrometheusRule) and the Grafana dashboard name only
series the apps and daprd really expose."""

from __future__ import annotations

import json
import re

import pytest
from prometheus_client import REGISTRY, generate_latest

from backend_services.platform.telemetry import metrics  # noqa: F401  (registers the series)

from .conftest import Doc, Renderer, by_kind, by_name
from .schemas import kubernetes_errors

MONITORING = (
    "observability.podMonitor.enabled=true",
    "observability.serviceMonitor.enabled=true",
    "observability.prometheusRule.enabled=true",
    "observability.grafanaDashboard.enabled=true",
    "observability.tracing.otlpEndpoint=http://collector.obs:4318",
    "dapr.tracing.otel.enabled=true",
)
# daprd's own series the dashboard uses (read from a running daprd 1.18.3's metrics port)
DAPRD_SERIES = {"dapr_http_server_request_count", "dapr_component_pubsub_egress_bulk_count"}
SERIES = re.compile(r"\b((?:todo|dapr)_[a-z_]+)\b")


def app_series() -> set[str]:
    """Every sample name the apps' registry can expose (families expanded by type)."""
    names: set[str] = set()
    for line in generate_latest(REGISTRY).decode().splitlines():
        if line.startswith("# TYPE "):
            _, _, family, kind = line.split()
            suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}
            family = family.removesuffix("_total")
            names |= {family + s for s in suffixes.get(kind, [""])}
    return names


def _containers(docs: list[Doc]) -> dict[str, Doc]:
    return {
        dep["spec"]["template"]["metadata"]["annotations"]["dapr.io/app-id"]: next(
            c for c in dep["spec"]["template"]["spec"]["containers"] if c["name"] == "app"
        )
        for dep in by_kind(docs, "Deployment")
    }


def test_metrics_port_is_its_own_and_on_no_public_service(render: Renderer) -> None:
    docs = render()
    containers = _containers(docs)
    assert len(containers) == 6
    for app_id, container in containers.items():
        args = container["args"]
        assert args[args.index("--metrics-port") + 1] == "9464", app_id
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports["metrics"] == 9464 and ports["http"] != 9464
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["TODO_LOG_LEVEL"] == "INFO" and env["TODO_LOG_FORMAT"] == "json"
        assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in env  # tracing off unless configured
    for svc in by_kind(docs, "Service"):
        assert all(p.get("targetPort") != "metrics" for p in svc["spec"]["ports"]), svc
    assert not [d for d in docs if d["apiVersion"].startswith("monitoring.coreos.com")]
    assert "todo-dashboard" not in by_name(docs, "ConfigMap")


def test_monitoring_objects_when_enabled(render: Renderer) -> None:
    docs = render(sets=MONITORING)
    pod_monitor = by_name(docs, "PodMonitor")["todo-todo-assistant"]
    endpoints = {e["port"]: e["path"] for e in pod_monitor["spec"]["podMetricsEndpoints"]}
    assert endpoints == {"metrics": "/metrics", "dapr-metrics": "/"}
    scrape_services = [
        s
        for s in by_kind(docs, "Service")
        if s["metadata"]["labels"].get("todo-assistant/metrics") == "true"
    ]
    assert len(scrape_services) == 6
    for svc in scrape_services:
        assert svc["spec"]["clusterIP"] == "None"
        assert {p["name"] for p in svc["spec"]["ports"]} == {"metrics", "dapr-metrics"}
    service_monitor = by_name(docs, "ServiceMonitor")["todo-todo-assistant"]
    assert service_monitor["spec"]["selector"]["matchLabels"]["todo-assistant/metrics"] == "true"
    # no Ingress routes a scrape-only Service
    backends = json.dumps(by_kind(docs, "Ingress"))
    assert all(s["metadata"]["name"] not in backends for s in scrape_services)
    # the apps export to the collector, the sidecars too
    for container in _containers(docs).values():
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://collector.obs:4318"
    config = by_name(docs, "Configuration")["todo-config"]
    assert config["spec"]["tracing"]["otel"]["endpointAddress"]
    # the built-in kinds among them are valid Kubernetes objects
    for doc in scrape_services + list(by_name(docs, "ConfigMap").values()):
        assert kubernetes_errors(doc, "1.33.0") == [], doc["metadata"]["name"]


def test_alerts_cover_lateness_dead_letters_outbox_and_5xx(render: Renderer) -> None:
    rule = by_name(render(sets=MONITORING), "PrometheusRule")["todo-todo-assistant"]
    rules = {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"]}
    assert set(rules) == {
        "TodoReminderLate",
        "TodoDeadLettersGrowing",
        "TodoOutboxLag",
        "TodoHttp5xxRate",
    }
    known = app_series()
    for name, r in rules.items():
        used = set(SERIES.findall(r["expr"]))
        assert used and used <= known, f"{name}: {used - known}"
        assert 'namespace="todo"' in r["expr"]
        assert r["labels"]["severity"] in {"warning", "critical"}
    assert "todo_reminder_lateness_seconds_bucket" in rules["TodoReminderLate"]["expr"]
    assert "todo_dead_letters_total" in rules["TodoDeadLettersGrowing"]["expr"]
    assert "todo_outbox_lag_seconds" in rules["TodoOutboxLag"]["expr"]
    assert 'status=~"5.."' in rules["TodoHttp5xxRate"]["expr"]


@pytest.mark.parametrize("extra", [(), ("observability.grafanaDashboard.labels.team=ops",)])
def test_dashboard_queries_only_known_series(render: Renderer, extra: tuple[str, ...]) -> None:
    docs = render(sets=MONITORING + extra)
    cm = by_name(docs, "ConfigMap")["todo-todo-assistant-dashboard"]
    assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    dashboard = json.loads(cm["data"]["todo-assistant.json"])
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {name for e in exprs for name in SERIES.findall(e)}
    assert used - DAPRD_SERIES <= app_series(), used - DAPRD_SERIES - app_series()
    for wanted in (
        "todo_reminder_lateness_seconds_bucket",
        "todo_dead_letters_total",
        "todo_outbox_lag_seconds",
        "todo_agent_tool_calls_total",
    ):
        assert wanted in used
    assert used & DAPRD_SERIES  # beside daprd's own
