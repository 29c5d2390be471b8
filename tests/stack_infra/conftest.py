"""A real stack (PostgreSQL, Kafka, Dapr scheduler, one daprd per app-id
without app processes) in a temporary directory, shared by this package's
tests. Started through devtools.stack, like ``todo stack up``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devtools.stack.processes import StackState
from devtools.stack.stack import Stack, UpOptions


@dataclass
class InfraStack:
    stack: Stack
    out: io.StringIO

    @property
    def state(self) -> StackState:
        return self.stack.load()

    def dapr_http(self, app_id: str) -> int:
        return self.state.processes[f"daprd-{app_id}"].ports["dapr_http"]

    def daprd_log(self, app_id: str) -> str:
        return self.stack.layout.log(f"daprd-{app_id}").read_text(errors="replace")


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfraStack]:
    root = tmp_path_factory.mktemp("stack")
    out = io.StringIO()
    stack = Stack(Path(root), out=out)
    try:
        # build/fetch are no-ops when the caches are warm
        stack.up(UpOptions(apps=False, build=True))
    except Exception:
        print(out.getvalue())
        for log in sorted(stack.layout.logs.glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()[-30:]
            print(f"--- {log.name}\n" + "\n".join(lines))
        stack.down()
        raise
    try:
        yield InfraStack(stack, out)
    finally:
        stack.down()
