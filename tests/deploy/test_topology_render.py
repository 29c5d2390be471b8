"""One topology (launch/topology.py): the checked-in copies are its rendering, the chart and
the local components agree with it, and a drifted copy is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from backend_services.contracts import AppId
from devtools.topology import render
from launch import topology

from .conftest import CHART, DEV_VALUES, Doc, Renderer, by_kind, by_name

REPO = Path(__file__).resolve().parents[2]


def test_checked_in_copies_are_the_rendering() -> None:
    assert render.drifted(REPO) == [], "run `make topology` (python -m devtools.topology)"


def test_a_drifted_copy_is_detected(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    shutil.copytree(REPO / "components", root / "components")
    helm = root / render.HELM_TOPOLOGY
    helm.parent.mkdir(parents=True)
    shutil.copy(REPO / render.HELM_TOPOLOGY, helm)
    assert render.drifted(root) == []
    sweep = root / "components" / "reminder-sweep.yaml"
    sweep.write_text(sweep.read_text().replace("  - reminder-service\n", "  - chat-ui\n"))
    helm.write_text(helm.read_text().replace("audit-service chat-ui", "chat-ui"))
    assert set(render.drifted(root)) == {
        Path("components/reminder-sweep.yaml"),
        render.HELM_TOPOLOGY,
    }
    assert render.write(root) and render.drifted(root) == []
    assert "  - reminder-service\n" in sweep.read_text()


def test_every_app_id_and_component_is_declared() -> None:
    assert tuple(a.value for a in AppId) == topology.APP_IDS
    local = {
        d["metadata"]["name"]
        for p in (REPO / "components").glob("*.yaml")
        for d in yaml.safe_load_all(p.read_text())
        if isinstance(d, dict) and d.get("kind") == "Component"
    }
    assert local == {c.name for c in topology.COMPONENTS}


def test_subscribers_load_their_pubsub() -> None:
    for sub in topology.SUBSCRIPTIONS:
        assert sub.app_id in topology.component(sub.pubsub).scopes, sub


def test_the_chart_renders_the_topology(render: Renderer) -> None:
    for docs in (render(), render(DEV_VALUES)):
        components = by_name(docs, "Component")
        for declared in topology.COMPONENTS:
            doc: Doc = components[declared.name]
            assert doc["spec"]["type"] == declared.cluster_type
            assert tuple(doc["scopes"]) == declared.scopes, declared.name
        resiliency = by_name(docs, "Resiliency")["todo-resiliency"]
        assert tuple(resiliency["scopes"]) == topology.RESILIENCY_SCOPES
        assert set(resiliency["spec"]["targets"]["apps"]) == set(topology.APP_IDS)
        deployed = [
            d["spec"]["template"]["metadata"]["annotations"]["dapr.io/app-id"]
            for d in by_kind(docs, "Deployment")
        ]
        assert sorted(deployed) == sorted(topology.APP_IDS)


def test_the_local_components_are_the_topology() -> None:
    for path in sorted((REPO / "components").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        if doc["kind"] == "Component":
            declared = topology.component(doc["metadata"]["name"])
            assert doc["spec"]["type"] == declared.local_type
            assert tuple(doc["scopes"]) == declared.scopes
        elif doc["kind"] == "Resiliency":
            assert tuple(doc["scopes"]) == topology.RESILIENCY_SCOPES
            assert tuple(doc["spec"]["targets"]["apps"]) == topology.APP_IDS


def test_the_chart_ports_are_the_topology() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    ports = topology.CLUSTER_PORTS
    assert (values["appPort"], values["publicPort"]) == (ports.app, ports.public)
    assert values["observability"]["metricsPort"] == ports.metrics
    assert values["dapr"]["metricsPort"] == ports.dapr_metrics
    assert values["ingress"]["api"]["routes"] == topology.PUBLIC_ROUTES


def test_the_values_tune_every_app_id() -> None:
    for path in (CHART / "values.yaml", DEV_VALUES):
        services = yaml.safe_load(path.read_text())["services"]
        assert list(services) == list(topology.APP_IDS), path.name
