"""CPU per `POST /tasks` summed over every process of the real stack, by process.

N plain creates (a title, as in issue 10's profile) go through both sidecars (chat-ui's
daprd → task-service's daprd → task-service) from a closed loop of concurrent clients; the
clock and the /proc counters stop only when
every create's event has been handled (outbox empty, one audit record per task, and the
stack's processes idle again), so the event path's cost is counted too. The load generator's
own CPU is reported apart and not in the total. CPU-ms per create is stable on a shared box
where rates are not; both are reported.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx

from devtools.bench.proc import cpu_seconds, wait_idle
from devtools.bench.profile import sampled, sampled_line
from tests.integration.harness import RealStack, bearer, wait_for

CLIENTS = 16
IDLE_SECONDS = 5.0


async def _create(url: str, headers: dict[str, str], n: int, run_id: str) -> float:
    queue = iter(range(n))
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:

        async def worker() -> None:
            for i in queue:
                body = {"title": f"{run_id} {i}"}
                last_failure = ""
                for _attempt in range(5):
                    try:
                        resp = await http.post(url, json=body, headers=headers)
                    except httpx.TransportError as exc:
                        last_failure = f"{type(exc).__name__}: {exc}"
                        continue
                    if resp.status_code == 201:
                        break
                    last_failure = f"HTTP {resp.status_code}: {resp.text[:300]}"
                else:
                    raise RuntimeError(f"create {i} failed 5 times, last: {last_failure}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CLIENTS)))
        return time.perf_counter() - started


async def _trickle(url: str, headers: dict[str, str], n: int, run_id: str, rate: float) -> float:
    """One client, one create every 1/rate s (each event alone, as people make tasks)."""
    async with httpx.AsyncClient(timeout=60) as http:
        started = time.perf_counter()
        for i in range(n):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            resp = await http.post(url, json={"title": f"{run_id} {i}"}, headers=headers)
            resp.raise_for_status()
        return time.perf_counter() - started


def trickle(stack: RealStack, *, quick: bool, rate: float = 10.0) -> dict[str, Any]:
    """CPU per create by process at a trickle: one client at `rate` creates/s, straight to
    task-service's daprd; the idle rate subtracted, load average beside."""
    n = 100 if quick else 300
    return run(stack, quick=quick, creates=n, rate=rate, straight=True)


def burst(stack: RealStack, *, quick: bool) -> dict[str, Any]:
    """The burst beside the trickle: `CLIENTS` keep-alive clients straight to task-service."""
    return run(stack, quick=quick, creates=300 if quick else 1000, straight=True)


def run(
    stack: RealStack,
    *,
    quick: bool,
    log: Any = print,
    creates: int | None = None,
    rate: float | None = None,
    straight: bool = False,
) -> dict[str, Any]:
    """`rate` None: a burst of `CLIENTS` closed-loop clients; else one client at `rate`/s.
    `straight`: to task-service's own port, not through chat-ui's and its daprd."""
    n = creates or (500 if quick else 2000)
    user_id, token = stack.new_user("cost")
    url = f"{stack.dapr_url('chat-ui')}/v1.0/invoke/task-service/method/tasks"
    if straight:
        url = f"{stack.app_url('task-service')}/tasks"
    asyncio.run(_create(url, bearer(token), 50, "warm-up"))  # connections, caches
    processes = {name: rec.pid for name, rec in stack.state.processes.items()}

    def each() -> dict[str, float]:
        return {name: cpu_seconds([pid]) for name, pid in processes.items()}

    wait_for(lambda: stack.scalar("SELECT count(*) FROM outbox") == 0, "warm-up drained", 120)
    # what the stack burns doing nothing (pollers, tickers, heartbeats), per second and
    # process: subtracted below, so the table shows what the creates cost
    idle0, t_idle = each(), time.perf_counter()
    time.sleep(IDLE_SECONDS)
    idle1 = each()
    idle_rate = {k: (idle1[k] - idle0[k]) / (time.perf_counter() - t_idle) for k in idle1}

    run_id = f"cost-{time.time_ns()}"
    loadavg_before = float(Path("/proc/loadavg").read_text().split()[0])
    before, load_before, t0 = each(), time.process_time(), time.perf_counter()
    if rate is None:
        create_seconds = asyncio.run(_create(url, bearer(token), n, run_id))
    else:
        create_seconds = asyncio.run(_trickle(url, bearer(token), n, run_id, rate))
    load_cpu = time.process_time() - load_before

    def settled() -> bool:
        pending = stack.scalar("SELECT count(*) FROM outbox")
        audited = stack.scalar(
            "SELECT count(*) FROM audit_log WHERE user_id = :u AND type = 'todo.task.created.v1'",
            u=user_id,
        )
        return pending == 0 and audited >= n + 50

    wait_for(settled, timeout=600, what="every create's event handled")
    wait_idle(list(processes.values()), sum(idle_rate.values()))
    window = time.perf_counter() - t0
    after = each()
    per_process = {
        name: max(0.0, after[name] - before[name] - idle_rate.get(name, 0.0) * window) * 1000 / n
        for name in processes
        if name in after
    }
    total = sum(per_process.values())
    loadavg = (loadavg_before + float(Path("/proc/loadavg").read_text().split()[0])) / 2
    raw_total = sum(after[k] - before[k] for k in processes if k in after) * 1000 / n
    log(f"  {n} creates: {total:.1f} CPU-ms per create over the stack, {n / create_seconds:.0f}/s")
    # where task-service's share goes: more creates under py-spy, after the measured ones
    task_service = next(pid for name, pid in processes.items() if name.startswith("task-service"))
    with sampled(task_service) as task_service_profile:
        if rate is None:
            asyncio.run(_create(url, bearer(token), max(200, n // 4), f"{run_id}-sampled"))
        else:
            asyncio.run(_trickle(url, bearer(token), max(50, n // 4), f"{run_id}-s", rate))
    return {
        "rate": rate,
        "straight": straight,
        "loadavg": round(loadavg, 2),
        "task_service_profile": task_service_profile,
        "creates": n,
        "clients": CLIENTS,
        "creates_per_s": n / create_seconds,
        "settled_seconds": window,
        "idle_cores": sum(idle_rate.values()),
        "cpu_ms_per_create": total,
        "cpu_ms_per_create_with_idle": raw_total,
        "per_process_ms": dict(sorted(per_process.items(), key=lambda kv: -kv[1])),
        "load_generator_ms": load_cpu * 1000 / n,
    }


def table(r: dict[str, Any]) -> list[str]:
    rows = ["| process | CPU-ms per create |", "|---|---|"]
    rows += [f"| {name} | {ms:.2f} |" for name, ms in r["per_process_ms"].items() if ms >= 0.005]
    rows.append(f"| **all stack processes** | **{r['cpu_ms_per_create']:.1f}** |")
    rows.append(
        f"| (the same with the idle background left in) | {r['cpu_ms_per_create_with_idle']:.1f} |"
    )
    rows.append(f"| (load generator, not in the total) | {r['load_generator_ms']:.2f} |")
    cores = os.cpu_count() or 1
    per_create = r["cpu_ms_per_create_with_idle"] + r["load_generator_ms"]
    rows += [
        "",
        f"What this caps: on {cores} cores, {per_create:.1f} CPU-ms per create (the stack with "
        f"its idle background, plus the load generator on the same cores) allow at most about "
        f"{cores * 1000 / per_create:.0f} creates/s here; more creates/s need fewer ms per "
        "create or more cores (task-service and the consumers scale out: see the replicas).",
    ]
    if "task_service_profile" in r:
        rows += ["", sampled_line("task-service's CPU per create", r["task_service_profile"])]
    return rows
