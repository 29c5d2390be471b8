"""Validators for rendered manifests: Kubernetes built-in kinds through
kubernetes-validate (offline, strict: unknown fields are errors), Dapr kinds
through the OpenAPI schemas of dapr's CRDs (tests/deploy/crds, v1.18.3)."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

CRDS = Path(__file__).resolve().parent / "crds"
DAPR_GROUP = "dapr.io"


def _structural(schema: dict[str, Any]) -> dict[str, Any]:
    """Turn a CRD's OpenAPI v3 schema into a JSON schema with the API server's
    semantics: fields a structural schema does not declare are pruned on the
    server, i.e. silently lost, so here they are errors (additionalProperties
    false) unless the schema preserves unknown fields."""
    out = copy.deepcopy(schema)

    def walk(node: dict[str, Any]) -> None:
        for key in (
            "description",
            "x-kubernetes-list-type",
            "x-kubernetes-list-map-keys",
            "x-kubernetes-map-type",
        ):
            node.pop(key, None)
        if node.pop("x-kubernetes-int-or-string", False):
            node.pop("type", None)
            node["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        preserve = node.pop("x-kubernetes-preserve-unknown-fields", False)
        if node.pop("nullable", False) and "type" in node:
            node["type"] = [node["type"], "null"]
        props = node.get("properties")
        if isinstance(props, dict):
            for child in props.values():
                walk(child)
            if not preserve and "additionalProperties" not in node:
                node["additionalProperties"] = False
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            walk(extra)
        items = node.get("items")
        if isinstance(items, dict):
            walk(items)
        for key in ("allOf", "anyOf", "oneOf"):
            for child in node.get(key, []) or []:
                walk(child)

    walk(out)
    # apiVersion/kind/metadata are checked by the API server itself.
    out.setdefault("properties", {})["metadata"] = {"type": "object"}
    return out


@cache
def dapr_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> JSON schema, for every served version of every CRD."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(CRDS.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not isinstance(crd, dict) or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                if not version.get("served"):
                    continue
                api = f"{spec['group']}/{version['name']}"
                schema = version["schema"]["openAPIV3Schema"]
                found[(api, spec["names"]["kind"])] = _structural(schema)
    return found


def is_dapr(doc: dict[str, Any]) -> bool:
    return str(doc.get("apiVersion", "")).split("/")[0] == DAPR_GROUP


def dapr_errors(doc: dict[str, Any]) -> list[str]:
    """Schema errors of one Dapr resource (empty when valid)."""
    key = (doc.get("apiVersion", ""), doc.get("kind", ""))
    schema = dapr_schemas().get(key)
    if schema is None:
        return [f"no Dapr CRD defines {key[1]} in {key[0]}"]
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '<root>'}: {err.message}"
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    ]


def kubernetes_errors(doc: dict[str, Any], version: str) -> list[str]:
    """Schema errors of one built-in Kubernetes object (strict: no unknown fields)."""
    import kubernetes_validate

    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        path = "/".join(str(p) for p in exc.path)
        return [f"{path or '<root>'}: {exc.message}"]
    except kubernetes_validate.SchemaNotFoundError as exc:
        return [f"no schema: {exc}"]
    return []
