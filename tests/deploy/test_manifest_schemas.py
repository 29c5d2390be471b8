"""Every manifest the chart renders is valid: built-in kinds against the
Kubernetes OpenAPI schemas (oldest supported and a recent version), Dapr kinds
against the CRDs of dapr's own Helm chart (v1.18.3)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from .conftest import Doc, by_kind
from .schemas import dapr_errors, is_dapr, kubernetes_errors

# The chart's kubeVersion floor and a recent release.
KUBERNETES_VERSIONS = ("1.29.0", "1.33.0")
DAPR_KINDS = {"Component", "Configuration", "Resiliency", "Subscription"}


def test_every_document_has_a_known_kind(variant: tuple[str, list[Doc]]) -> None:
    _, docs = variant
    assert docs, "nothing rendered"
    for doc in docs:
        assert doc.get("apiVersion") and doc.get("kind"), doc
        assert doc["metadata"].get("name"), doc
        if is_dapr(doc):
            assert doc["kind"] in DAPR_KINDS, doc["kind"]


@pytest.mark.parametrize("k8s_version", KUBERNETES_VERSIONS)
def test_builtin_kinds_match_kubernetes_schemas(
    variant: tuple[str, list[Doc]], k8s_version: str
) -> None:
    name, docs = variant
    failures = []
    checked = 0
    for doc in docs:
        if is_dapr(doc):
            continue
        checked += 1
        for err in kubernetes_errors(doc, k8s_version):
            failures.append(f"{doc['kind']}/{doc['metadata']['name']}: {err}")
    assert checked >= 20, f"{name}: only {checked} built-in objects rendered"
    assert not failures, "\n".join(failures)


def test_dapr_kinds_match_dapr_crds(variant: tuple[str, list[Doc]]) -> None:
    name, docs = variant
    dapr_docs = [d for d in docs if is_dapr(d)]
    kinds = {d["kind"] for d in dapr_docs}
    assert {"Component", "Configuration", "Resiliency"} <= kinds, f"{name}: {kinds}"
    failures = [
        f"{d['kind']}/{d['metadata']['name']}: {err}" for d in dapr_docs for err in dapr_errors(d)
    ]
    assert not failures, "\n".join(failures)


# --- the validators themselves can fail ------------------------------------------


def test_kubernetes_validator_rejects_broken_objects(variant: tuple[str, list[Doc]]) -> None:
    _, docs = variant
    deployment = copy.deepcopy(by_kind(docs, "Deployment")[0])
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsNonRot"] = 1
    assert kubernetes_errors(deployment, KUBERNETES_VERSIONS[0])
    deployment = copy.deepcopy(by_kind(docs, "Deployment")[0])
    deployment["spec"]["replicas"] = "two"
    assert kubernetes_errors(deployment, KUBERNETES_VERSIONS[0])


def test_dapr_validator_rejects_broken_resources(variant: tuple[str, list[Doc]]) -> None:
    _, docs = variant
    component = copy.deepcopy(by_kind(docs, "Component")[0])
    del component["spec"]["type"]
    assert dapr_errors(component)
    resiliency = copy.deepcopy(by_kind(docs, "Resiliency")[0])
    # Dapr's Retry type has no initialInterval: the API server would prune it.
    resiliency["spec"]["policies"]["retries"]["invokeRetry"]["initialInterval"] = "200ms"
    assert any("initialInterval" in e for e in dapr_errors(resiliency))
    config = copy.deepcopy(by_kind(docs, "Configuration")[0])
    config["spec"]["tracing"] = {"samplingRate": 1}
    assert dapr_errors(config)
    subscription: dict[str, Any] = {
        "apiVersion": "dapr.io/v2alpha1",
        "kind": "Subscription",
        "metadata": {"name": "s"},
        "spec": {
            "pubsubname": "pubsub",
            "topic": "t",
            "routes": {"default": "/x"},
            "deadLetterTopic": "t-dlq",
        },
    }
    assert dapr_errors(subscription) == []
    del subscription["spec"]["topic"]
    assert dapr_errors(subscription)
