"""Kafka publish -> subscriber handler through both sidecars.

The publisher is task-service's daprd (HTTP publish API); the subscriber is a tiny probe
app (devtools/bench/probe_app.py) behind a daprd of its own (app-id bench-probe) with a programmatic
subscription. Latency = handler entry - send time, so it includes the publish call, Kafka,
the subscriber's daprd and the HTTP delivery to the app."""

from __future__ import annotations

import shutil
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import yaml

from devtools.bench.stats import summary_ms
from devtools.stack import dapr, processes
from devtools.stack.paths import REPO_ROOT, dapr_bin_dir
from devtools.stack.ports import free_port
from tests.integration.harness import RealStack, wait_for

PROBE_ID = "bench-probe"


def _resources(stack: RealStack, directory: Path) -> Path:
    """The stack's rendered pubsub component, scoped to the probe."""
    directory.mkdir(parents=True, exist_ok=True)
    doc = yaml.safe_load((stack.stack.layout.components / "pubsub.yaml").read_text())
    doc["scopes"] = [PROBE_ID]
    (directory / "pubsub.yaml").write_text(yaml.safe_dump(doc))
    return directory


def run(stack: RealStack, *, quick: bool, log: Any = print) -> dict[str, Any]:
    work = stack.stack.layout.root / "bench-probe"
    shutil.rmtree(work, ignore_errors=True)
    resources = _resources(stack, work / "components")
    topic = f"bench-probe-{uuid.uuid4().hex[:6]}"
    app_port = free_port()
    ports = dapr.SidecarPorts(free_port(), free_port(), free_port(), free_port())
    app = processes.start(
        PROBE_ID,
        [sys.executable, "-m", "devtools.bench.probe_app", str(app_port), topic],
        log=work / "probe.log",
        kind="app",
        cwd=REPO_ROOT,
    )
    side = dapr.start_daprd(
        PROBE_ID,
        ports,
        log=work / "daprd.log",
        resources_path=resources,
        config=stack.stack.layout.config_file,
        scheduler_address=stack.state.infra["scheduler_address"],
        app_port=app_port,
        cwd=work,
        bin_dir=dapr_bin_dir(),
    )
    publish_url = f"{stack.dapr_url('task-service')}/v1.0/publish/pubsub/{topic}"
    try:
        wait_for(lambda: dapr.daprd_healthy(ports.http), "probe daprd", 90, 0.5)
        results_url = f"http://127.0.0.1:{app_port}/results"
        with httpx.Client(timeout=10) as http:
            # warm up until the subscription delivers
            def delivered() -> bool:
                http.post(publish_url, json={"sent": time.time(), "i": -1})
                return bool(http.get(results_url).json())

            wait_for(delivered, "the probe subscription to deliver", 90, 1.0)
            time.sleep(2)
            count = 300 if quick else 2000
            rate = 50.0 if quick else 100.0
            t0 = time.perf_counter()
            for i in range(count):
                due = t0 + i / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                resp = http.post(
                    publish_url,
                    json={"sent": time.time(), "i": i},
                    headers={"content-type": "application/json"},
                )
                resp.raise_for_status()

            def all_in() -> list[Any] | None:
                got = [r for r in http.get(results_url).json() if r[0] >= 0]
                return got if len(got) >= count else None

            got = wait_for(all_in, "every probe event", 120, 0.5)
        seen = [i for i, _ in got]
        out = {
            "count": count,
            "rate": rate,
            "duplicates": len(seen) - len(set(seen)),
            "rss_probe_daprd_kib": _rss(side.pid),
            **summary_ms([lat for _, lat in got]),
        }
        log(f"  pub/sub: {out}")
        return out
    finally:
        processes.stop(side)
        processes.stop(app)


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
