"""The files rendered from launch/topology.py, and the command that writes or checks them.

- ``components/*.yaml``: the trailing ``scopes:`` list of every resource (a Component's from
  ``topology.COMPONENTS``, the Resiliency's from ``RESILIENCY_SCOPES``) and the Resiliency's
  ``targets.apps`` (one entry per app id). The rest of each file (metadata, comments) is
  written by hand.
- ``deploy/helm/todo-assistant/templates/_topology.tpl``: the chart's app ids, state-store
  apps and one ``scopes`` block per component, which the chart's templates include.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from launch import topology

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPONENTS_DIR = Path("components")
HELM_TOPOLOGY = Path("deploy/helm/todo-assistant/templates/_topology.tpl")

_SCOPES_BLOCK = re.compile(r"^scopes:\n(?:[ \t]*-[^\n]*\n|[ \t]*#[^\n]*\n)*", re.MULTILINE)
_RESILIENCY_APPS = re.compile(
    r"(^    apps:\n)(?:^      [^\n]*\n)+(?=^    components:)", re.MULTILINE
)


class TopologyError(RuntimeError):
    pass


def scopes_yaml(app_ids: tuple[str, ...]) -> str:
    return "scopes:\n" + "".join(f"  - {app_id}\n" for app_id in app_ids)


def _resource_scopes(doc: dict[str, Any]) -> tuple[str, ...] | None:
    kind = doc.get("kind")
    name = str((doc.get("metadata") or {}).get("name", ""))
    if kind == "Component":
        try:
            return topology.component(name).scopes
        except KeyError:
            raise TopologyError(f"component {name!r} is not in launch/topology.py") from None
    if kind == "Resiliency":
        return topology.RESILIENCY_SCOPES
    return None  # the Configuration: passed to every daprd with --config, no scopes


def render_component_file(text: str) -> str:
    """One ``components/`` file with its topology parts rendered."""
    docs = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
    if len(docs) != 1:
        raise TopologyError("one resource per file in components/")
    doc = docs[0]
    scopes = _resource_scopes(doc)
    if scopes is not None:
        block = scopes_yaml(scopes)
        if _SCOPES_BLOCK.search(text):
            text = _SCOPES_BLOCK.sub(lambda _m: block, text, count=1)
        else:
            text = text.rstrip("\n") + "\n" + block
    if doc.get("kind") == "Resiliency":
        apps = "".join(
            f"      {app_id}:\n"
            "        timeout: invoke\n"
            "        retry: invokeRetry\n"
            "        circuitBreaker: appBreaker\n"
            for app_id in topology.APP_IDS
        )
        text, found = _RESILIENCY_APPS.subn(lambda m: m.group(1) + apps, text)
        if found != 1:
            raise TopologyError("the Resiliency needs targets.apps before targets.components")
    return text


def render_helm_topology() -> str:
    lines = [
        "{{/*",
        "GENERATED from launch/topology.py by `make topology` (python -m devtools.topology):",
        "do not edit; tests/deploy/test_topology_render.py fails when this file drifts.",
        "*/}}",
        "",
        "{{/* The app ids, in start order. */}}",
        '{{- define "todo.appIds" -}}',
        " ".join(topology.APP_IDS),
        "{{- end -}}",
        "",
        "{{/* App ids that load the state store. */}}",
        '{{- define "todo.statestoreApps" -}}',
        " ".join(topology.state_store_apps()),
        "{{- end -}}",
        "",
        "{{/* The Resiliency's scopes (every sidecar). */}}",
        '{{- define "todo.scopes.resiliency" -}}',
        scopes_yaml(topology.RESILIENCY_SCOPES).rstrip("\n"),
        "{{- end -}}",
    ]
    for component in topology.COMPONENTS:
        lines += [
            "",
            f"{{{{/* Component {component.name} ({component.cluster_type}). */}}}}",
            f'{{{{- define "todo.scopes.{component.name}" -}}}}',
            scopes_yaml(component.scopes).rstrip("\n"),
            "{{- end -}}",
        ]
    return "\n".join(lines) + "\n"


def rendered(root: Path = REPO_ROOT) -> dict[Path, str]:
    """Every rendered file (relative path -> content) as the topology says it should be."""
    out: dict[Path, str] = {}
    for path in sorted((root / COMPONENTS_DIR).glob("*.yaml")):
        relative = path.relative_to(root)
        try:
            out[relative] = render_component_file(path.read_text(encoding="utf-8"))
        except TopologyError as exc:
            raise TopologyError(f"{relative}: {exc}") from None
    out[HELM_TOPOLOGY] = render_helm_topology()
    return out


def drifted(root: Path = REPO_ROOT) -> list[Path]:
    """The checked-in files that differ from their rendering."""
    stale: list[Path] = []
    for relative, text in rendered(root).items():
        path = root / relative
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(relative)
    return stale


def write(root: Path = REPO_ROOT) -> list[Path]:
    written: list[Path] = []
    for relative, text in rendered(root).items():
        path = root / relative
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(relative)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.topology", description=__doc__)
    parser.add_argument("--check", action="store_true", help="write nothing; 1 when stale")
    parser.add_argument("--root", type=Path, default=REPO_ROOT)
    args = parser.parse_args(argv)
    if args.check:
        stale = drifted(args.root)
        for relative in stale:
            print(f"stale: {relative} (run `make topology`)", file=sys.stderr)
        return 1 if stale else 0
    for relative in write(args.root):
        print(f"rendered {relative}")
    return 0
