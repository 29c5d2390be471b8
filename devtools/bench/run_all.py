"""Run every benchmark against a fresh real stack and write docs/benchmarks.md.

    python -m devtools.bench.run_all [--quick] [--stack-dir DIR] [--keep] [--out docs/benchmarks.md]
                            [--reminders 1000,10000] [--jobs 20000]

Starts the whole stack (six apps, six daprd, Kafka, PostgreSQL, scheduler) through the
launcher in a temporary directory (or --stack-dir), purges it at the end unless --keep.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devtools.bench import (
    cli_start,
    create_cost,
    embedded,
    invoke,
    memory,
    outbox_relay,
    pubsub,
    reminders,
    stack_cost,
    tracing_cost,
    trickle,
)
from devtools.bench.loadavg import LoadSampler
from devtools.bench.report import render
from devtools.stack.paths import APP_IDS, DAPR_VERSION, REPO_ROOT, kafka_version
from tests.integration.harness import RealStack

# the code before the throughput work (issue 10): devtools.bench.create_cost measures it beside ours
BASELINE_REF = "711c008"
# the code before issue 27's transport work: devtools.bench.trickle measures `todo up` beside ours
TRICKLE_BASELINE_REF = "7ae0732"
TWO = {app_id: 2 for app_id in APP_IDS}
STEPS = [
    *("cli", "create", "tracing", "trickle", "embedded", "cost", "stack-trickle", "memory"),
    *("invoke", "pubsub", "relay"),
    *("recurring", "lateness", "jobs", "replicas"),
]


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    pg = "unknown"
    with contextlib.suppress(OSError):
        pg = subprocess.run(
            ["psql", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "dapr": DAPR_VERSION,
        "kafka": kafka_version(),
        "postgres": pg,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devtools.bench.run_all", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller, shorter runs")
    parser.add_argument("--stack-dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="leave the stack running")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--reminders", default=None, help="comma-separated counts")
    parser.add_argument("--jobs", type=int, default=None, help="jobs to schedule")
    parser.add_argument(
        "--only",
        action="append",
        default=None,
        choices=STEPS,
    )
    args = parser.parse_args(argv)

    counts = [int(c) for c in (args.reminders or ("300" if args.quick else "10000")).split(",")]
    jobs = args.jobs if args.jobs is not None else (1000 if args.quick else 5000)
    only = set(args.only or STEPS)
    command = "python -m devtools.bench.run_all " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command.strip(),
        "machine": machine(),
        "quick": args.quick,
        "errors": {},
    }
    # task-service limits REST writes per user (600/min by default); a load test from a few
    # users would measure the limiter (429s, then an open circuit breaker in daprd)
    os.environ.setdefault("TODO_REST_WRITES_PER_MINUTE", "10000000")
    results["rest_writes_per_minute"] = os.environ["TODO_REST_WRITES_PER_MINUTE"]
    root = args.stack_dir or Path(tempfile.mkdtemp(prefix="todo-bench-"))
    load = LoadSampler().start()  # how busy the shared machine was, other processes included
    if "cli" in only:  # before the stack starts: the CLI's own start-up, not the stack's load
        print("[cli]", flush=True)
        try:
            results["cli"] = cli_start.run(quick=args.quick)
        except Exception as exc:
            traceback.print_exc()
            results["errors"]["cli"] = f"{type(exc).__name__}: {exc}"
    if "create" in only:  # in-process, this checkout and the baseline, before the stack
        print("[create]", flush=True)
        try:
            results["create"] = create_cost.compare(BASELINE_REF, 100 if args.quick else 300)
        except Exception as exc:
            traceback.print_exc()
            results["errors"]["create"] = f"{type(exc).__name__}: {exc}"
    if "tracing" in only:  # in-process, off and on alternating, before the stack
        print("[tracing]", flush=True)
        try:
            creates, rounds = (100, 2) if args.quick else (300, 3)
            results["tracing"] = tracing_cost.run(creates, rounds)
        except Exception as exc:
            traceback.print_exc()
            results["errors"]["tracing"] = f"{type(exc).__name__}: {exc}"
    if "trickle" in only:  # `todo up` at a trickle and in a burst, baseline and change
        print("[trickle]", flush=True)
        try:
            results["trickle"] = trickle.compare(
                TRICKLE_BASELINE_REF,
                100 if args.quick else 300,
                10.0,
                300 if args.quick else 1000,
            )
        except Exception as exc:
            traceback.print_exc()
            results["errors"]["trickle"] = f"{type(exc).__name__}: {exc}"
    if "embedded" in only:  # `todo up` on its own, before the stack loads the machine
        print("[embedded]", flush=True)
        try:
            results["embedded"] = embedded.run(8 if args.quick else 15, 50 if args.quick else 200)
        except Exception as exc:
            traceback.print_exc()
            results["errors"]["embedded"] = f"{type(exc).__name__}: {exc}"
    started = time.monotonic()
    print(f"starting the stack in {root} ...", flush=True)
    stack = RealStack.start(root)
    print(f"  up in {time.monotonic() - started:.0f}s", flush=True)
    results["stack_up_seconds"] = time.monotonic() - started

    def step(name: str, fn: Any) -> None:
        if name not in only:
            return
        print(f"[{name}]", flush=True)
        t = time.monotonic()
        try:
            results[name] = fn()
        except Exception as exc:  # a failed step is reported, the others still run
            traceback.print_exc()
            results["errors"][name] = f"{type(exc).__name__}: {exc}"
        print(f"  ({time.monotonic() - t:.0f}s)", flush=True)

    try:
        step("cost", lambda: stack_cost.run(stack, quick=args.quick))
        step(
            "stack-trickle",
            lambda: {
                "trickle": stack_cost.trickle(stack, quick=args.quick),
                "burst": stack_cost.burst(stack, quick=args.quick),
            },
        )
        step("memory", lambda: memory.run(stack))
        step("invoke", lambda: invoke.run(stack, quick=args.quick))
        step("pubsub", lambda: pubsub.run(stack, quick=args.quick))
        step("relay", lambda: outbox_relay.run(stack, quick=args.quick))
        step("recurring", lambda: reminders.recurring(stack, 50 if args.quick else 200))
        step("lateness", lambda: [reminders.lateness(stack, n) for n in counts])
        step("jobs", lambda: reminders.scheduling(stack, jobs))
        if "replicas" in only:
            # the same creates on a stack running two instances of every service
            stack.stop(purge=True)
            print("starting a stack with 2 replicas of every service ...", flush=True)
            stack = RealStack.start(Path(tempfile.mkdtemp(prefix="todo-bench-2x-")), replicas=TWO)
            step("replicas", lambda: stack_cost.run(stack, quick=args.quick))
    finally:
        results["total_seconds"] = time.monotonic() - started
        results["loadavg"] = load.stop()
        name = "quick.json" if args.quick else "latest.json"
        raw = REPO_ROOT / "devtools" / "bench" / "results" / name
        raw.parent.mkdir(exist_ok=True)
        raw.write_text(json.dumps(results, indent=2, default=str) + "\n")
        args.out.write_text(render(results))
        print(f"wrote {args.out} and {raw}", flush=True)
        if args.keep:
            print(f"stack left running in {root}")
        else:
            stack.stop(purge=True)
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
