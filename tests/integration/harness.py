"""The real stack (all six apps, each behind its own daprd, Kafka, PostgreSQL, the Dapr
scheduler) started in a directory of its own through the launcher, plus what a test or a
benchmark needs to observe it from outside: ports, users and tokens, SQL, Kafka.

Used by tests/integration (pytest fixtures) and by devtools/bench/
(``python -m devtools.bench.run_all``).
"""

from __future__ import annotations

import io
import json
import os
import signal
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import Engine, text

from backend_services.platform.auth import Role, TokenSigner
from backend_services.platform.db import make_engine, new_session
from backend_services.task_service.users.service import create_user
from devtools.stack import processes
from devtools.stack.paths import instance_name
from devtools.stack.ports import is_free
from devtools.stack.processes import ProcessRecord, StackState
from devtools.stack.stack import Stack, UpOptions

T = TypeVar("T")

HOST = "127.0.0.1"


class StackStartFailed(RuntimeError):
    pass


def wait_for(
    check: Callable[[], T | None],
    what: str,
    timeout: float = 60.0,
    interval: float = 0.25,
) -> T:
    """Poll ``check`` until it returns something truthy; a deadline, not a timing assertion."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while True:
        last = check()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})"
            )
        time.sleep(interval)


@dataclass
class RealStack:
    """A running stack in ``root``; read everything from the launcher's state file."""

    stack: Stack
    out: io.StringIO = field(default_factory=io.StringIO)
    _engine: Engine | None = None
    # what `todo stack up` printed about signing in, right after the stack came up
    sign_in_line: str = ""

    # -- lifecycle -------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        root: Path,
        *,
        build: bool = True,
        replicas: Mapping[str, int] | None = None,
        tracing: bool = False,
    ) -> RealStack:
        """``replicas``: instances per app-id (``todo stack up --replicas``), 1 when absent;
        ``tracing``: with Jaeger, every app and daprd exporting to it (``--tracing``)."""
        out = io.StringIO()
        stack = Stack(Path(root), out=out)
        running = cls(stack, out)
        try:
            stack.up(UpOptions(apps=True, build=build, replicas=replicas, tracing=tracing))
        except Exception as exc:
            report = running.failure_report()
            stack.down(purge=False)
            raise StackStartFailed(f"stack did not start: {exc}\n{report}") from exc
        return running

    def stop(self, purge: bool = True) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        self.stack.down(purge=purge)

    def up_again(self) -> None:
        """``todo stack up`` again: restarts whatever is not running, keeps the rest."""
        self.stack.up(UpOptions(apps=True, build=False))

    def failure_report(self, lines: int = 30) -> str:
        parts = [self.out.getvalue()]
        for log in sorted(self.stack.layout.logs.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name}\n" + "\n".join(tail))
        return "\n".join(parts)

    # -- addresses -------------------------------------------------------------------

    @property
    def state(self) -> StackState:
        return self.stack.load()

    def record(self, name: str) -> ProcessRecord:
        return self.state.processes[name]

    def instances(self, app_id: str) -> list[str]:
        """Process names of the replicas of ``app_id``: ``[app_id, app_id#2, ...]``."""
        count = self.state.replicas.get(app_id, 1)
        return [instance_name(app_id, index) for index in range(1, count + 1)]

    def daprd_metrics(self, instance: str) -> str:
        """The Prometheus text of the sidecar of ``instance`` (e.g. ``audit-service#2``)."""
        port = self.record(f"daprd-{instance}").ports["metrics"]
        return httpx.get(f"http://{HOST}:{port}/metrics", timeout=10).text

    def metrics_text(self, app_id: str) -> str:
        """The app's Prometheus exposition (its `serve --metrics-port` listener)."""
        port = self.record(app_id).ports["metrics"]
        return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text

    @property
    def trace_api(self) -> str:
        """Jaeger's query API/UI base URL (the stack runs with tracing)."""
        return self.record("jaeger").url or ""

    @property
    def otlp_endpoint(self) -> str:
        return self.state.infra["otlp_endpoint"]

    def app_port(self, app_id: str) -> int:
        return self.record(app_id).ports["app"]

    def dapr_http(self, app_id: str) -> int:
        return self.record(f"daprd-{app_id}").ports["dapr_http"]

    def app_url(self, app_id: str) -> str:
        return f"http://{HOST}:{self.app_port(app_id)}"

    def dapr_url(self, app_id: str) -> str:
        return f"http://{HOST}:{self.dapr_http(app_id)}"

    @property
    def kafka_bootstrap(self) -> str:
        return self.state.infra["kafka_bootstrap"]

    def log_text(self, name: str) -> str:
        return self.stack.layout.log(name).read_text(errors="replace")

    # -- secrets, database, users --------------------------------------------------------

    def secret(self, key: str) -> str:
        return str(json.loads(self.stack.layout.secrets_file.read_text())[key])

    @property
    def database_url(self) -> str:
        return self.secret("database-url")

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.database_url)
        return self._engine

    def sql(self, query: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(query), params))

    def scalar(self, query: str, **params: Any) -> Any:
        rows = self.sql(query, **params)
        return rows[0][0] if rows else None

    def signer(self) -> TokenSigner:
        return TokenSigner(self.secret("auth-signing-key"))

    def new_user(
        self, prefix: str = "it", timezone: str = "UTC", role: Role = "user"
    ) -> tuple[str, str]:
        """A fresh account in PostgreSQL and a bearer token for it."""
        name = f"{prefix}{uuid.uuid4().hex[:10]}"
        with new_session(self.engine) as session:  # create_user commits
            user = create_user(session, name, timezone=timezone, role=role)
            user_id = user.id
        return user_id, self.signer().issue(user_id, role, 3600)

    def wait_task_events_flowing(self, timeout: float = 180.0) -> None:
        """Every `task-events` subscriber handles a fresh TaskCreated: after a broker or
        sidecar restart their consumer groups have joined again. Tests that restart parts
        call this to leave the stack as they found it; tests that need live delivery to
        start promptly call it first."""
        consumers = ("reminder-service", "recurring-worker", "audit-service", "chat-ui")

        def handled(name: str) -> float:
            """Events on task-events the app answered SUCCESS (its metrics: a consumer that
            does not act on an event acknowledges it without a log line, but counts it)."""
            return sum(
                float(line.rsplit(" ", 1)[1])
                for line in self.metrics_text(name).splitlines()
                if line.startswith("todo_events_handled_total{")
                and 'topic="task-events"' in line
                and 'result="SUCCESS"' in line
            )

        before = {name: handled(name) for name in consumers}
        _user_id, token = self.new_user("probe")
        with client(self.app_url("task-service"), token, timeout=30) as http:
            http.post("/tasks", json={"title": "a probe of the consumers"}).raise_for_status()

        def lagging() -> list[str]:
            return [n for n in consumers if handled(n) <= before[n]]

        wait_for(lambda: not lagging(), "every task-events consumer to handle a new event", timeout)

    # -- processes ---------------------------------------------------------------------

    def kill9(self, *names: str) -> None:
        """SIGKILL these processes (by recorded pid, only while it is still ours)."""
        for name in names:
            rec = self.record(name)
            if processes.record_alive(rec):
                os.kill(rec.pid, signal.SIGKILL)
        for name in names:
            rec = self.record(name)
            wait_for(lambda rec=rec: not processes.record_alive(rec), f"{name} to die", 10)
            # a multi-threaded process shows as a zombie before its last thread has closed
            # its sockets; the launcher would then move the port (and restart every daprd
            # that points at it), so wait until the ports are bindable again
            for port in set(rec.ports.values()):
                wait_for(lambda port=port: is_free(port), f"port {port} of {name} to be free", 10)

    def stop_process(self, name: str) -> None:
        processes.stop(self.record(name))

    def rss_kib(self, name: str) -> int:
        """Resident set size of a stack process (KiB) from /proc."""
        pid = self.record(name).pid
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0


# -- HTTP ----------------------------------------------------------------------------


@contextmanager
def session_stack(
    keep_env: str, prefix: str, replicas: Mapping[str, int] | None = None, tracing: bool = False
) -> Iterator[RealStack]:
    """A stack for a test session: started in a fresh directory and purged at the end, or
    kept running in `$keep_env` when that is set (handy while writing tests). The directory
    is not under pytest's basetemp: a pytest started meanwhile resets that to 0700, and
    PostgreSQL (user postgres) could then no longer reach its data."""
    keep = os.environ.get(keep_env)
    root = Path(keep) if keep else Path(tempfile.mkdtemp(prefix=prefix))
    running = RealStack.start(root, replicas=replicas, tracing=tracing)
    # as `todo stack up` does once the apps answer: the first account, before any test
    # adds users of its own
    from devtools.stack.commands import _sign_in_line

    running.sign_in_line = _sign_in_line(root)
    try:
        yield running
    finally:
        if keep:
            if running._engine is not None:
                running._engine.dispose()
        else:
            running.stop(purge=True)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


# -- Kafka (confluent-kafka, independent of Dapr) ---------------------------------------


@contextmanager
def kafka_consumer(bootstrap: str, topics: Iterable[str]) -> Iterator[Any]:
    from confluent_kafka import Consumer

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"it-observer-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    try:
        consumer.subscribe(list(topics))
        yield consumer
    finally:
        consumer.close()


def collect_from_kafka(
    bootstrap: str,
    topic: str,
    done: Callable[[dict[str, Any]], bool],
    timeout: float = 60.0,
) -> dict[str, dict[str, Any]]:
    """Read ``topic`` from the beginning until ``done(seen)`` says enough.

    ``seen`` maps CloudEvent id to ``{"event": <parsed json>, "key": <bytes|None>,
    "raw": <bytes>, "partition": int}``.
    """
    seen: dict[str, dict[str, Any]] = {}
    with kafka_consumer(bootstrap, [topic]) as consumer:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msgs = consumer.consume(num_messages=500, timeout=0.5)
            for msg in msgs:
                if msg.error() is not None:
                    continue
                try:
                    event = json.loads(msg.value())
                except ValueError:
                    continue
                if isinstance(event, dict) and "id" in event:
                    seen[str(event["id"])] = {
                        "event": event,
                        "key": msg.key(),
                        "raw": msg.value(),
                        "partition": msg.partition(),
                    }
            if done(seen):
                return seen
    return seen


def produce(bootstrap: str, topic: str, records: Iterable[tuple[bytes | None, bytes]]) -> int:
    """Produce (key, value) records straight to Kafka, bypassing Dapr; returns the count."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "acks": "all"})
    failures: list[str] = []

    def report(err: Any, _msg: Any) -> None:
        if err is not None:
            failures.append(str(err))

    count = 0
    for key, value in records:
        while True:
            try:
                producer.produce(topic, value=value, key=key, on_delivery=report)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
        count += 1
    producer.flush(30)
    if failures:
        raise RuntimeError(f"{len(failures)} produce failures, e.g. {failures[0]}")
    return count


def task_created_event(
    user_id: str, *, event_id: str | None = None, title: str = "probe"
) -> dict[str, Any]:
    """A well-formed TaskCreated CloudEvent (contract todo.task.created.v1), as Dapr would
    deliver it, for publishing straight to Kafka or through a daprd."""
    now = datetime.now(UTC).isoformat()
    task_id = str(uuid.uuid4())
    return {
        "id": event_id or str(uuid.uuid4()),
        "source": "task-service",
        "type": "todo.task.created.v1",
        "specversion": "1.0",
        "datacontenttype": "application/json",
        "time": now,
        "subject": user_id,
        "topic": "task-events",
        "pubsubname": "pubsub",
        "data": {
            "user_id": user_id,
            "task": {
                "id": task_id,
                "user_id": user_id,
                "title": title,
                "status": "pending",
                "priority": "none",
                "tags": [],
                "reminders": [],
                "created_at": now,
                "updated_at": now,
            },
        },
    }


def client(base_url: str, token: str | None = None, timeout: float = 15.0) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers=bearer(token) if token else {}, timeout=timeout)


def created_events_in_kafka(
    bootstrap: str, created: dict[str, list[str]], timeout: float = 120.0
) -> list[tuple[str, str, int, bytes | None]]:
    """Read `task-events` until every task id in `created` (user id → task ids) has its
    TaskCreated record; returns (user, task id, partition, key) in Kafka order per partition."""
    expected = {task_id for ids in created.values() for task_id in ids}
    seen: list[tuple[str, str, int, bytes | None]] = []
    found: set[str] = set()
    with kafka_consumer(bootstrap, ["task-events"]) as consumer:
        deadline = time.monotonic() + timeout
        while not expected <= found and time.monotonic() < deadline:
            for msg in consumer.consume(num_messages=500, timeout=0.5):
                if msg.error() is not None:
                    continue
                event: Any = json.loads(msg.value())
                if event.get("type") != "todo.task.created.v1":
                    continue
                user_id = event["data"]["user_id"]
                if user_id in created:
                    task_id = event["data"]["task"]["id"]
                    seen.append((user_id, task_id, msg.partition(), msg.key()))
                    found.add(task_id)
    missing = expected - found
    assert not missing, f"{len(missing)} of {len(expected)} never reached Kafka"
    return seen
