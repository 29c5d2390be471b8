"""Render the Helm chart with a Helm built from deploy/helm-tools (cached)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "todo-assistant"
DEV_VALUES = CHART / "values-dev.yaml"
HELM_BUILD = REPO / "deploy" / "helm-tools" / "build.sh"
COMPONENTS = REPO / "components"
CRDS = Path(__file__).resolve().parent / "crds"
KUBE_VERSION = "1.31.0"
NAMESPACE = "todo"
RELEASE = "todo"

Doc = dict[str, Any]


def helm_binary() -> Path:
    """$HELM, else the cached build (built now if missing: a few minutes once)."""
    env = os.environ.get("HELM")
    if env:
        return Path(env)
    if shutil.which("go") is None:
        pytest.fail("go is not on PATH: cannot build helm (deploy/helm-tools/build.sh)")
    proc = subprocess.run(
        ["bash", str(HELM_BUILD)], capture_output=True, text=True, check=False, timeout=1800
    )
    if proc.returncode != 0:
        pytest.fail(f"deploy/helm-tools/build.sh failed:\n{proc.stderr[-3000:]}")
    return Path(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def helm() -> Path:
    return helm_binary()


def run_helm(helm: Path, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(helm), *args], capture_output=True, text=True, check=False, timeout=120
    )


def template(
    helm: Path,
    values: Sequence[Path] = (),
    sets: Sequence[str] = (),
    *,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    args = [
        "template",
        RELEASE,
        str(CHART),
        "--namespace",
        NAMESPACE,
        "--kube-version",
        KUBE_VERSION,
    ]
    for v in values:
        args += ["-f", str(v)]
    for s in sets:
        args += ["--set", s]
    proc = run_helm(helm, args)
    if check and proc.returncode != 0:
        pytest.fail(f"helm template failed:\n{proc.stderr}")
    return proc


def documents(text: str) -> list[Doc]:
    return [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]


Renderer = Callable[..., list[Doc]]


@pytest.fixture(scope="session")
def render(helm: Path) -> Renderer:
    cache: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Doc]] = {}

    def _render(*values: Path, sets: Sequence[str] = ()) -> list[Doc]:
        key = (tuple(str(v) for v in values), tuple(sets))
        if key not in cache:
            cache[key] = documents(template(helm, values, sets).stdout)
        # fresh copies: tests may mutate what they get
        return yaml.safe_load(yaml.safe_dump(cache[key]))  # type: ignore[no-any-return]

    return _render


# The value sets every test runs on: the defaults (TLS + SASL to a Strimzi
# Kafka) and the dev cluster, plus the other Kafka auth modes.
VARIANTS: dict[str, tuple[tuple[Path, ...], tuple[str, ...]]] = {
    "default": ((), ()),
    "dev": ((DEV_VALUES,), ()),
    "kafka-mtls": ((), ("kafka.authType=mtls",)),
    "kafka-certificate": ((), ("kafka.authType=certificate",)),
    "sasl-plaintext": ((), ("kafka.tls.enabled=false",)),
    "pg-tls-otel": (
        (),
        (
            "postgres.tls.enabled=true",
            "dapr.tracing.otel.enabled=true",
            "secrets.create=true",
            "secrets.databaseUrl=postgresql+psycopg://x",
            "secrets.pgConnectionString=host=x",
            "llm.existingSecret=llm",
            "ingress.tls[0].secretName=t",
            "ingress.tls[0].hosts[0]=a.b",
        ),
    ),
}


@pytest.fixture(scope="session", params=sorted(VARIANTS))
def variant(request: pytest.FixtureRequest, render: Renderer) -> tuple[str, list[Doc]]:
    values, sets = VARIANTS[request.param]
    return request.param, render(*values, sets=sets)


def by_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d.get("kind") == kind]


def by_name(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in by_kind(docs, kind)}
