"""The image's commands (deploy/Dockerfile, the chart's Deployments and Job)
are commands the code accepts. There is no Docker engine on the build
machines: the image itself is not built here (docs/deploy.md)."""

from __future__ import annotations

import re

import pytest

from launch import cli, serve

from .conftest import REPO, Renderer, by_kind

DOCKERFILE = REPO / "deploy" / "Dockerfile"


class _Parsed(Exception):
    pass


def parse_serve(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Run serve.main up to the point where it would wait for its sidecar."""

    def stop(_port: int) -> None:
        raise _Parsed

    monkeypatch.setattr(serve, "wait_for_sidecar", stop)
    with pytest.raises(_Parsed):
        serve.main(argv)


def test_deployment_commands_parse(render: Renderer, monkeypatch: pytest.MonkeyPatch) -> None:
    deployments = by_kind(render(), "Deployment")
    assert len(deployments) == 6
    for dep in deployments:
        (c,) = dep["spec"]["template"]["spec"]["containers"]
        assert c["command"][:2] == ["python", "-m"]
        assert c["command"][2] == "launch.serve"
        parse_serve(c["args"], monkeypatch)


def test_unknown_app_id_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve, "wait_for_sidecar", lambda _p: None)
    with pytest.raises(SystemExit):
        serve.main(["no-such-service", "--no-migrate"])


def test_migration_command_parses(render: Renderer) -> None:
    (job,) = by_kind(render(), "Job")
    (c,) = job["spec"]["template"]["spec"]["containers"]
    assert c["command"][:3] == ["python", "-m", "launch.cli"]
    args = cli.build_parser().parse_args(c["command"][3:])
    assert args.fn is cli.cmd_migrate


def test_dockerfile_is_slim_non_root_and_locked() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", text, re.M)
    assert "uv sync --frozen --no-dev" in text
    assert "COPY pyproject.toml uv.lock" in text
    assert "tzdata" in text
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    cmd = re.search(r"^CMD (\[.*\])", text, re.M)
    assert cmd and "launch.serve" in cmd.group(1)
    # The uv the Makefile installs is the uv the image installs.
    make_uv = re.search(r'"uv==([^"]+)"', (REPO / "Makefile").read_text(encoding="utf-8"))
    assert make_uv and f'"uv=={make_uv.group(1)}"' in text


def test_chart_runs_the_dockerfile_user(render: Renderer) -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    uid = int(re.findall(r"^USER (\d+)", text, re.M)[-1])
    for dep in by_kind(render(), "Deployment"):
        assert dep["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == uid
