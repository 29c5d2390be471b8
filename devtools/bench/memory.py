"""Resident memory (VmRSS) of every process of the stack at idle."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from devtools.stack.paths import APP_IDS
from tests.integration.harness import RealStack


def _rss_tree_kib(pid: int) -> int:
    """RSS of a process plus its children (PostgreSQL is a postmaster and its backends)."""
    total = 0
    seen = {pid}
    queue = [pid]
    while queue:
        current = queue.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return total


# what a service process loads, in the order it needs it: the RSS after each import, in a
# fresh interpreter, shows where an idle service's memory goes
IMPORT_STEPS = (
    ("the interpreter", ""),
    ("pydantic", "pydantic"),
    ("SQLAlchemy ORM + SQLModel", "sqlmodel"),
    ("FastAPI", "fastapi"),
    ("psycopg", "psycopg"),
    ("OpenTelemetry SDK", "opentelemetry.sdk.trace"),
    ("the sidecar runtime (daprd's HTTP API, httpx)", "backend_services.platform.sidecar_runtime"),
    ("task-service's app and its domain", "backend_services.task_service.app"),
)


def import_rss() -> list[dict[str, Any]]:
    code = (
        "import importlib, sys\n"
        "def rss():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmRSS:'):\n"
        "            return int(line.split()[1]) / 1024\n"
        "for module in sys.argv[1:]:\n"
        "    if module:\n"
        "        importlib.import_module(module)\n"
        "    print(rss())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *(module for _, module in IMPORT_STEPS)],
        capture_output=True,
        text=True,
        check=True,
    )
    values = [float(v) for v in done.stdout.split()]
    return [
        {"step": label, "rss_mib": rss, "added_mib": rss - (values[i - 1] if i else 0.0)}
        for i, ((label, _), rss) in enumerate(zip(IMPORT_STEPS, values, strict=True))
    ]


def run(stack: RealStack, *, settle: float = 5.0) -> dict[str, Any]:
    time.sleep(settle)
    state = stack.state
    rows: list[dict[str, Any]] = []
    for app_id in APP_IDS:
        rows.append(
            {
                "app_id": app_id,
                "app_mib": _rss_tree_kib(state.processes[app_id].pid) / 1024,
                "daprd_mib": _rss_tree_kib(state.processes[f"daprd-{app_id}"].pid) / 1024,
            }
        )
    infra = {
        name: _rss_tree_kib(state.processes[name].pid) / 1024
        for name in ("postgres", "kafka", "scheduler")
        if name in state.processes
    }
    return {"services": rows, "infra": infra, "imports": import_rss()}
