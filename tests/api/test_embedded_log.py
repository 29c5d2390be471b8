"""The embedded runtime's pub/sub log (`embedded_log`): fed from memory with offsets written
in batches, it still delivers every committed event at least once: across a kill -9 (the
offset written last is behind: what follows it is delivered again), across a clean restart
(no event twice: the offsets are written when the runtime stops), and for rows another
process appended (the `todo` CLI's commands publish into the same database)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from backend_services.contracts import PUBSUB, CloudEvent
from backend_services.platform.app_support import shared_engine
from backend_services.platform.embedded_runtime import EmbeddedRuntime
from backend_services.platform.schema_check import ensure_schema
from tests.support.embedded_env import eventually

pytestmark = pytest.mark.anyio
REPO = Path(__file__).resolve().parents[2]
TOPIC = "log-test"

# a process with one subscriber that writes each delivered id to a file, and publishes
# `count` events itself (each id written to another file once its publish has returned)
CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from fastapi import FastAPI
    from backend_services.contracts import PUBSUB, CloudEvent
    from backend_services.platform.app_support import shared_engine
    from backend_services.platform.embedded_runtime import EmbeddedRuntime

    url, seen_path, published_path, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    app = FastAPI()
    seen = open(seen_path, "a", buffering=1)
    published = open(published_path, "a", buffering=1)

    @app.get("/dapr/subscribe")
    def subscribe():
        return [{"pubsubname": PUBSUB, "topic": "log-test", "route": "/in"}]

    @app.post("/in")
    async def receive(event: dict):
        await asyncio.sleep(0.002)  # a consumer slower than the publisher: a backlog
        seen.write(event["id"] + "\\n")
        return {"status": "SUCCESS"}

    async def main():
        runtime = EmbeddedRuntime(shared_engine(url), Path(seen_path).with_suffix(".secrets"))
        runtime.register("probe", app)
        await runtime.start()
        for i in range(count):
            event = CloudEvent(id=f"{sys.argv[5]}-{i}", source="t", type="x")
            await runtime.publish(PUBSUB, "log-test", event)
            published.write(event.id + "\\n")
        await asyncio.Event().wait()

    asyncio.run(main())
    """
)


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _child(url: str, tmp: Path, count: int, prefix: str) -> subprocess.Popen[bytes]:
    args = [url, str(tmp / "seen.txt"), str(tmp / "published.txt"), str(count), prefix]
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stderr=subprocess.PIPE,
    )


def _wait(check: Any, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_kill_9_mid_stream_loses_no_committed_event(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'todo.db'}"
    ensure_schema(url, shared_engine(url))
    first = _child(url, tmp_path, 400, "a")
    try:
        _wait(lambda: len(_lines(tmp_path / "seen.txt")) >= 100, "a hundred deliveries")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=60)
    published = set(_lines(tmp_path / "published.txt"))
    assert published, "the first process published nothing"
    second = _child(url, tmp_path, 0, "b")  # consumes only: resumes from the written offset
    try:
        _wait(
            lambda: published <= set(_lines(tmp_path / "seen.txt")) or second.poll() is not None,
            "every committed event delivered after the restart",
        )
        assert second.poll() is None, second.stderr.read().decode() if second.stderr else ""
    finally:
        second.terminate()
        second.wait(timeout=60)
    assert published <= set(_lines(tmp_path / "seen.txt"))


def _probe_app(seen: list[str]) -> FastAPI:
    app = FastAPI()

    @app.get("/dapr/subscribe")
    def subscribe() -> list[dict[str, str]]:
        return [{"pubsubname": PUBSUB, "topic": TOPIC, "route": "/in"}]

    @app.post("/in")
    def receive(event: dict[str, Any]) -> dict[str, str]:
        seen.append(event["id"])
        return {"status": "SUCCESS"}

    return app


def _runtime(tmp_path: Path, seen: list[str]) -> EmbeddedRuntime:
    url = f"sqlite:///{tmp_path / 'todo.db'}"
    engine = shared_engine(url)
    ensure_schema(url, engine)
    runtime = EmbeddedRuntime(engine, tmp_path / "secrets.json")
    runtime.register("probe", _probe_app(seen))
    return runtime


async def _true_when(value: bool) -> bool:
    return value


async def test_clean_restart_delivers_nothing_twice(tmp_path: Path) -> None:
    seen: list[str] = []
    runtime = _runtime(tmp_path, seen)
    await runtime.start()
    try:
        for i in range(250):  # more than one read of the table's worth
            await runtime.publish(PUBSUB, TOPIC, CloudEvent(id=f"e-{i}", source="t", type="x"))
        await eventually(lambda: _true_when(len(seen) >= 250), what="250 deliveries")
        # and acknowledged: a stop in the middle of a batch delivers its events again
        await eventually(
            lambda: _true_when(runtime.log.feeds[0].cursor >= 250), what="the batch acknowledged"
        )
        await runtime.stop()  # writes the offsets
        await runtime.start()
        await runtime.publish(PUBSUB, TOPIC, CloudEvent(id="after", source="t", type="x"))
        await eventually(lambda: _true_when("after" in seen), what="the event after the restart")
    finally:
        await runtime.aclose()
    assert seen == [f"e-{i}" for i in range(250)] + ["after"]


async def test_events_published_before_start_are_delivered_in_order(tmp_path: Path) -> None:
    seen: list[str] = []
    runtime = _runtime(tmp_path, seen)
    for i in range(450):  # a backlog read from the table in rounds
        await runtime.publish(PUBSUB, TOPIC, CloudEvent(id=f"e-{i}", source="t", type="x"))
    await runtime.start()
    try:
        await runtime.publish(PUBSUB, TOPIC, CloudEvent(id="live", source="t", type="x"))
        await eventually(lambda: _true_when("live" in seen), what="the live event")
    finally:
        await runtime.aclose()
    assert seen == [f"e-{i}" for i in range(450)] + ["live"]


async def test_rows_another_process_appends_are_delivered(tmp_path: Path) -> None:
    seen: list[str] = []
    runtime = _runtime(tmp_path, seen)
    # what a `todo` CLI command does: its own runtime on the same database, never started
    other = EmbeddedRuntime(runtime.engine, tmp_path / "secrets.json")
    await runtime.start()
    try:
        await runtime.publish(PUBSUB, TOPIC, CloudEvent(id="here-1", source="t", type="x"))
        await other.publish(PUBSUB, TOPIC, CloudEvent(id="there", source="t", type="x"))
        await runtime.publish(PUBSUB, TOPIC, CloudEvent(id="here-2", source="t", type="x"))
        await eventually(lambda: _true_when(len(seen) >= 3), what="three deliveries")
    finally:
        await runtime.aclose()
        await other.aclose()
    assert seen == ["here-1", "there", "here-2"]
