"""Outbox relay drain: N staged outbox rows published and forgotten, the former
one-event-at-a-time path (`OutboxRelay(bulk=False, batch_size=200)`) against the bulk path
(`bulk=True`, 500 rows a round, one bulk publish per topic), in the same run.

- embedded: the relay and `EmbeddedRuntime` in this process on SQLite (the product's
  `todo up`); CPU = this process.
- real stack: the relay in this process against the stack's PostgreSQL, publishing through
  task-service's daprd (gRPC) into Kafka; CPU = this process + that daprd + Kafka +
  PostgreSQL (with its backends), from /proc.

Rows use a source and a topic of their own (nobody subscribes), keyed over 50 users like
real traffic. Events/s = N / wall time from the first claim to an empty outbox.

Trickle (real stack): events committed one per transaction at a steady rate, as services
do under load, with the relay running as in a service (woken by each commit), without and
with its linger, alternating; CPU per event (the writer's own thread time left out) and
how long an event waits from its commit to its publish.

    python -m devtools.bench.outbox_relay [--events 5000] [--stack-dir DIR]

(DIR: start a stack there)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from backend_services.contracts import CloudEvent
from backend_services.platform.db import session_scope
from backend_services.platform.outbox import OutboxEvent, OutboxRelay
from backend_services.platform.runtime import Runtime
from backend_services.platform.settings import Settings
from devtools.bench.proc import cpu_seconds

# the trickle: about the rate of reminders firing in the 10,000-in-a-minute burst
TRICKLE_RATE = 150.0
SLOW_RATE = 30.0  # a flow the linger leaves alone (below one event per linger)
LINGER = Settings().event_linger_ms / 1000
MODES: dict[str, dict[str, Any]] = {
    "one at a time": {"bulk": False, "batch_size": 200},
    "bulk": {"bulk": True},
}


def outbox_row(source: str, topic: str, i: int, keys: int = 50) -> OutboxEvent:
    """The i-th benchmark event as an outbox row, keyed over `keys` users like real traffic."""
    key = f"bench-user-{i % keys}"
    event = CloudEvent(
        id=str(uuid.uuid4()),
        source=source,
        type="todo.bench.v1",
        subject=key,
        data={"n": i, "title": "a reminder of typical size " * 4},
    )
    return OutboxEvent(
        event_id=event.id,
        source=source,
        pubsub="pubsub",
        topic=topic,
        partition_key=key,
        event=event.model_dump(mode="json"),
    )


def stage(engine: Engine, source: str, topic: str, n: int, keys: int = 50) -> None:
    with session_scope(engine) as session:
        session.add_all(outbox_row(source, topic, i, keys) for i in range(n))


def pending(engine: Engine, source: str) -> int:
    with Session(engine) as session:
        stmt = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.source == source)
        return int(session.exec(stmt).one())


async def drain(
    engine: Engine, runtime: Runtime, n: int, pids: list[int], **relay: Any
) -> dict[str, float]:
    source = f"bench-relay-{uuid.uuid4().hex[:8]}"
    topic = f"bench-outbox-{uuid.uuid4().hex[:6]}"
    await asyncio.to_thread(stage, engine, source, topic, n)
    relay_ = OutboxRelay(engine, runtime, source, **relay)
    cpu0, t0 = cpu_seconds(pids), time.perf_counter()
    while await relay_.flush():
        pass
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds(pids) - cpu0
    left = await asyncio.to_thread(pending, engine, source)
    if left or relay_.published != n:
        raise RuntimeError(f"relay left {left} rows, published {relay_.published} of {n}")
    return {
        "events": n,
        "seconds": elapsed,
        "events_per_s": n / elapsed,
        "cpu_ms_per_event": cpu * 1000 / n,
    }


async def _compare(
    engine: Engine, runtime: Runtime, n: int, pids: list[int]
) -> dict[str, dict[str, float]]:
    await drain(engine, runtime, min(n, 300), pids)  # warm-up: connections, topic, imports
    return {mode: await drain(engine, runtime, n, pids, **kw) for mode, kw in MODES.items()}


class _PublishClock:
    """The runtime, noting when each event id is handed to a bulk publish."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.sent: dict[str, float] = {}
        self.rounds = 0

    async def publish_bulk(self, pubsub: str, topic: str, entries: list[Any]) -> set[str]:
        self.rounds += 1
        now = time.perf_counter()
        for event, _key in entries:
            self.sent[event.id] = now
        return set(await self.runtime.publish_bulk(pubsub, topic, entries))


async def trickle(
    engine: Engine, runtime: Runtime, pids: list[int], rate: float, seconds: float, linger: float
) -> dict[str, float]:
    source = f"bench-trickle-{uuid.uuid4().hex[:8]}"
    topic = f"bench-outbox-{uuid.uuid4().hex[:6]}"
    clock = _PublishClock(runtime)
    relay = OutboxRelay(engine, clock, source, linger_seconds=linger)  # type: ignore[arg-type]
    committed: dict[str, float] = {}
    n = int(rate * seconds)

    def write() -> float:
        """One event per transaction at `rate`; returns this thread's own CPU seconds."""
        cpu0, start = time.thread_time(), time.perf_counter()
        for i in range(n):
            time.sleep(max(0.0, start + i / rate - time.perf_counter()))
            row = outbox_row(source, topic, i)
            with session_scope(engine) as session:
                session.add(row)
            committed[row.event_id] = time.perf_counter()
            relay.notify()
        return time.thread_time() - cpu0

    await relay.start()
    cpu0 = cpu_seconds(pids)
    try:
        writer_cpu = await asyncio.to_thread(write)
        while len(clock.sent) < n or await asyncio.to_thread(pending, engine, source) > 0:
            await asyncio.sleep(0.05)
    finally:
        await relay.stop()
    cpu = cpu_seconds(pids) - cpu0 - writer_cpu
    waits = sorted(clock.sent[i] - committed[i] for i in committed)
    return {
        "events": n,
        "rate": rate,
        "linger_ms": linger * 1000,
        "rounds": clock.rounds,
        "events_per_round": n / max(1, clock.rounds),
        "cpu_ms_per_event": cpu * 1000 / n,
        "wait_p50_ms": waits[len(waits) // 2] * 1000,
        "wait_p99_ms": waits[min(len(waits) - 1, int(len(waits) * 0.99))] * 1000,
    }


def embedded(n: int) -> dict[str, dict[str, float]]:
    from tests.support.embedded_env import embedded_env, make_settings

    async def go() -> dict[str, dict[str, float]]:
        async with embedded_env(make_settings(Path(tempfile.mkdtemp()))) as env:
            return await _compare(
                env.engine, env.runtime.for_app("reminder-service"), n, [os.getpid()]
            )

    return asyncio.run(go())


def real_stack(stack: Any, n: int, trickle_s: float = 10.0) -> dict[str, Any]:
    from backend_services.platform.db import make_engine
    from backend_services.platform.sidecar_runtime import SidecarRuntime

    state = stack.state
    pids = [os.getpid()] + [
        state.processes[name].pid
        for name in ("daprd-task-service", "kafka", "postgres")
        if name in state.processes
    ]

    async def go() -> dict[str, Any]:
        engine = make_engine(stack.database_url)
        # the SDK's DaprClient health-waits for the daprd named by DAPR_HTTP_PORT (env)
        os.environ["DAPR_HTTP_PORT"] = str(stack.dapr_http("task-service"))
        runtime = SidecarRuntime(stack.dapr_http("task-service"))
        await runtime.start()
        try:
            result: dict[str, Any] = await _compare(engine, runtime, n, pids)
            runs = []
            # alternating, so the box's noise falls on both; then a flow slower than one
            # event per linger, which the linger leaves alone
            plan = [(TRICKLE_RATE, 0.0), (TRICKLE_RATE, LINGER)] * 2 + [(SLOW_RATE, LINGER)]
            for rate, linger in plan:
                runs.append(await trickle(engine, runtime, pids, rate, trickle_s, linger))
            result["trickle"] = runs
            return result
        finally:
            await runtime.stop()
            engine.dispose()

    return asyncio.run(go())


def run(stack: Any | None, *, quick: bool) -> dict[str, Any]:
    """The devtools.bench.run_all step: embedded always, the real stack when given one."""
    n = 2000 if quick else 10_000
    result: dict[str, Any] = {"events": n, "embedded": embedded(n)}
    if stack is not None:
        result["stack"] = real_stack(stack, n, 5.0 if quick else 10.0)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="devtools.bench.outbox_relay", description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--stack-dir", type=Path, default=None, help="also on a real stack")
    args = parser.parse_args()
    result: dict[str, Any] = {"events": args.events, "embedded": embedded(args.events)}
    if args.stack_dir is not None:
        from tests.integration.harness import RealStack

        stack = RealStack.start(args.stack_dir)
        try:
            result["stack"] = real_stack(stack, args.events)
        finally:
            stack.stop(purge=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
