"""The embedded implementation of the Dapr port: every service app in one process.

- invoke: in-process ASGI calls to the registered app;
- pub/sub: a durable log table with per-consumer offsets (`embedded_log`: fed from memory,
  offsets written in batches), delivered to the routes each app lists at `GET /dapr/subscribe`
  (in-process: the route's handling is called without an HTTP request, see
  `subscriptions.event_receivers`), honouring SUCCESS/RETRY/DROP, bounded retries, dead letters;
- state: rows with numeric ETags; secrets: a local JSON file;
- jobs: rows polled by a scheduler loop that calls `POST /job/{name}` and survives restarts;
- input bindings: cron-style `POST /{binding}` at a fixed interval.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, delete, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from backend_services.contracts import CloudEvent
from backend_services.platform.db import session_scope
from backend_services.platform.embedded_log import EmbeddedLog, Feed
from backend_services.platform.embedded_tables import (
    EmbeddedJob,
    EmbeddedMessage,
    EmbeddedState,
)
from backend_services.platform.runtime import (
    BulkEntry,
    InvokeResult,
    RuntimeUnavailable,
    StateConflict,
)
from backend_services.platform.runtime_guard import APP_TOKEN_HEADER
from backend_services.platform.secrets_file import read_local_secret
from backend_services.platform.service_paths import checked_path, segment, service_path
from backend_services.platform.subscriptions import EventReceiver, event_filters, event_receivers
from backend_services.platform.telemetry import tracing
from backend_services.platform.timeutil import utcnow
from backend_services.platform.waiting import Linger, wait_for_wake

log = logging.getLogger("todo.embedded")

JOB_RETRIES = 3  # Dapr's default job failure policy: constant 1 s, 3 retries
DELIVERY_ATTEMPTS = 4  # our Resiliency policy: 3 retries, then the dead-letter topic
FETCH_LIMIT = 200  # messages a delivery loop reads at a time


@dataclass(frozen=True)
class Subscription:
    app_id: str
    pubsub: str
    topic: str
    route: str
    dead_letter_topic: str | None
    bulk_max: int = 0  # bulkSubscribe.maxMessagesCount; 0: one event per delivery
    # the route's handling in this process (None: an app without one, reached over ASGI)
    receiver: EventReceiver | None = None
    # whether the route acts on an event (None: on all): the others are not delivered
    wanted: Callable[[Any], bool] | None = None


@dataclass
class CronBinding:
    app_id: str
    name: str
    every_seconds: float


@dataclass
class _Wakeups:
    jobs: asyncio.Event = field(default_factory=asyncio.Event)


class EmbeddedRuntime:
    """Shared by every app of the process; each app gets a bound view from `for_app`."""

    def __init__(self, engine: Engine, secrets_file: Path, linger_seconds: float = 0.0) -> None:
        self.engine = engine
        # bulk subscriptions wait up to this under a steady flow (daprd waits up to the
        # subscription's maxAwaitDurationMs for a fuller delivery): see waiting.Linger
        self.linger_seconds = linger_seconds
        self.secrets_file = secrets_file
        self.apps: dict[str, Any] = {}
        self.cron: list[CronBinding] = []
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = _Wakeups()
        self.log = EmbeddedLog(engine)
        self.subscriptions: list[Subscription] = []
        self.delivery_retry_delay = 0.2
        # what daprd's APP_API_TOKEN is on the real stack: presented on every call to an app,
        # and the only way past the apps' runtime-only routes; never leaves this process
        self.app_token = secrets.token_urlsafe(32)

    def register(self, app_id: str, app: Any) -> None:
        self.apps[app_id] = app
        self._clients[app_id] = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url=f"http://{app_id}",
            timeout=30,
            headers={APP_TOKEN_HEADER: self.app_token},
        )

    def add_cron_binding(self, app_id: str, name: str, every_seconds: float) -> None:
        self.cron.append(CronBinding(app_id, name, every_seconds))

    def for_app(self, app_id: str) -> EmbeddedAppRuntime:
        return EmbeddedAppRuntime(self, app_id)

    # lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        if self._tasks:
            return
        self.subscriptions = await self._read_subscriptions()
        feeds = await self.log.open([(s.app_id, s.pubsub, s.topic) for s in self.subscriptions])
        for sub, feed in zip(self.subscriptions, feeds, strict=True):
            self._tasks.append(asyncio.create_task(self._deliver_loop(sub, feed)))
        self._tasks.append(asyncio.create_task(self.log.keep()))
        self._tasks.append(asyncio.create_task(self._job_loop()))
        for binding in self.cron:
            self._tasks.append(asyncio.create_task(self._cron_loop(binding)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._tasks:
            await asyncio.to_thread(self.log.write_offsets)  # what was handled up to here
            self.log.close()
        self._tasks.clear()

    async def aclose(self) -> None:
        await self.stop()
        for client in self._clients.values():
            await client.aclose()

    async def _read_subscriptions(self) -> list[Subscription]:
        found: list[Subscription] = []
        for app_id, client in self._clients.items():
            resp = await client.get("/dapr/subscribe")
            if resp.status_code == 404:
                continue
            receivers = event_receivers(self.apps.get(app_id))
            filters = event_filters(self.apps.get(app_id))
            for item in resp.json():
                route = item.get("route") or item.get("routes", {}).get("default")
                found.append(
                    Subscription(
                        app_id,
                        item["pubsubname"],
                        item["topic"],
                        route,
                        item.get("deadLetterTopic"),
                        _bulk_max(item.get("bulkSubscribe")),
                        receivers.get(route),
                        filters.get(route),
                    )
                )
        return found

    # invoke ----------------------------------------------------------------------------
    async def invoke(
        self,
        app_id: str,
        method: str,
        *,
        http_method: str = "GET",
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> InvokeResult:
        client = self._clients.get(app_id)
        if client is None:
            raise RuntimeUnavailable(f"no app registered as {app_id!r}")
        path = "/" + checked_path(method)  # UnsafePath before anything is sent
        with tracing.client_span(
            f"invoke {app_id}", {"rpc.system": "embedded", "rpc.service": app_id}
        ) as trace_headers:
            resp = await client.request(
                http_method,
                path,
                json=json,
                params=params,
                headers={**(headers or {}), **trace_headers},
            )
        body: Any = resp.json() if resp.content and _is_json(resp) else resp.text
        return InvokeResult(resp.status_code, body, dict(resp.headers))

    # pub/sub ---------------------------------------------------------------------------
    async def publish(
        self, pubsub: str, topic: str, event: CloudEvent, *, partition_key: str | None = None
    ) -> None:
        await asyncio.to_thread(self.log.append, [_message(pubsub, topic, event, partition_key)])

    async def publish_bulk(self, pubsub: str, topic: str, entries: list[BulkEntry]) -> set[str]:
        """All entries in one transaction (all or nothing), then one wake-up of the topic."""
        if not entries:
            return set()
        rows = [_message(pubsub, topic, event, key) for event, key in entries]
        await asyncio.to_thread(self.log.append, rows)
        return set()

    async def _deliver_loop(self, sub: Subscription, feed: Feed) -> None:
        linger = Linger(self.linger_seconds if sub.bulk_max else 0.0)
        while True:
            feed.wake.clear()  # before looking: a publish from here on sets it again
            if feed.stale:
                await self.log.catch_up(feed, FETCH_LIMIT)
            taken = self.log.take(feed, FETCH_LIMIT)
            batch = taken if sub.wanted is None else [m for m in taken if sub.wanted(m.event)]
            linger.handled(len(batch))
            if batch:
                # at-least-once: the offset moves after the batch; a crash mid-batch (or
                # before the offset is written) redelivers, and consumers are idempotent
                if sub.bulk_max:
                    for start in range(0, len(batch), sub.bulk_max):
                        await self._deliver_bulk(sub, batch[start : start + sub.bulk_max])
                else:
                    for message in batch:
                        await self._deliver_one(sub, message)
            if taken:
                self.log.handled(feed, taken[-1].seq or 0)
            if feed.pending or (feed.stale and taken):
                continue  # more are waiting
            # a publish or a stale mark wakes it; the timeout only bounds a lost wake-up
            await wait_for_wake(feed.wake, 30.0)
            await linger.pause()

    async def _deliver_bulk(self, sub: Subscription, messages: list[EmbeddedMessage]) -> None:
        """Dapr's bulk delivery: one POST, one status per entry. An entry answered RETRY (or
        a failed request) goes through the single-event path with its retries; DROP goes to
        the dead-letter topic at once."""
        envelope = {
            "id": str(messages[0].seq),
            "type": "com.dapr.event.sent.bulk",
            "topic": sub.topic,
            "pubsubname": sub.pubsub,
            "metadata": {},
            "entries": [
                {
                    "entryId": str(m.seq),
                    "event": m.event,
                    "contentType": "application/cloudevents+json",
                    "metadata": {},
                }
                for m in messages
            ],
        }
        statuses: dict[str, str] = {}
        try:
            status_code, answer = await self._post(
                sub,
                json.dumps(envelope).encode(),  # as stored: see _deliver_one
                "application/json",
            )
            if 200 <= status_code < 300 and isinstance(answer, dict):
                for item in answer.get("statuses", []):
                    statuses[str(item.get("entryId"))] = str(item.get("status", "RETRY"))
        except Exception:
            log.exception("bulk delivery to %s%s raised", sub.app_id, sub.route)
        for message in messages:
            status = statuses.get(str(message.seq), "RETRY")
            if status == "SUCCESS":
                continue
            if status == "DROP":
                await self._dead_letter(sub, message, status)
            else:
                await self._deliver_one(sub, message)

    async def _post(self, sub: Subscription, content: bytes, content_type: str) -> tuple[int, Any]:
        """Deliver a body to the subscription's route: (status code, JSON answer or None).
        In-process when the app has the route's receiver (what the route would answer,
        without the request through its middleware); over ASGI otherwise."""
        if sub.receiver is not None:
            return 200, await sub.receiver(content)
        resp = await self._clients[sub.app_id].post(
            sub.route, content=content, headers={"content-type": content_type}
        )
        return resp.status_code, resp.json() if resp.content and _is_json(resp) else None

    async def _deliver_one(self, sub: Subscription, message: EmbeddedMessage) -> None:
        verdict = "RETRY"
        for attempt in range(DELIVERY_ATTEMPTS):
            if attempt:
                await asyncio.sleep(self.delivery_retry_delay * attempt)
            try:
                # as stored (ASCII, escapes kept): `json=` cannot encode an unpaired
                # surrogate or NaN, and such an event must still reach its dead-letter topic
                verdict = _verdict(
                    *await self._post(
                        sub, json.dumps(message.event).encode(), "application/cloudevents+json"
                    )
                )
            except Exception:
                log.exception("delivery to %s%s raised", sub.app_id, sub.route)
                verdict = "RETRY"
            if verdict != "RETRY":
                break
        if verdict != "SUCCESS":
            await self._dead_letter(sub, message, verdict)

    async def _dead_letter(self, sub: Subscription, message: EmbeddedMessage, verdict: str) -> None:
        if sub.dead_letter_topic:
            log.warning(
                "message %s on %s dead-lettered by %s (%s)",
                message.event.get("id"),
                sub.topic,
                sub.app_id,
                verdict,
            )
            await self.publish(
                sub.pubsub,
                sub.dead_letter_topic,
                CloudEvent.model_validate(message.event),
                partition_key=message.partition_key,
            )
        else:
            log.warning(
                "message %s on %s dropped by %s", message.event.get("id"), sub.topic, sub.app_id
            )

    # state -----------------------------------------------------------------------------
    def get_state_sync(self, store: str, key: str) -> tuple[Any, str | None]:
        with Session(self.engine) as session:
            row = session.get(EmbeddedState, (store, key))
            return (row.value, str(row.etag)) if row else (None, None)

    def save_state_sync(self, store: str, key: str, value: Any, etag: str | None) -> None:
        """One statement each way, so two writers racing on a key cannot both win: with an
        ETag, an update of the row that still has it (else StateConflict); without, an
        upsert (last write wins, as daprd's default), never a duplicate-key error."""
        table = EmbeddedState.__table__  # type: ignore[attr-defined]
        with session_scope(self.engine) as session:
            if etag is None:
                dialect = session.get_bind().dialect.name
                insert = pg_insert if dialect == "postgresql" else sqlite_insert
                upsert = insert(table).values(store=store, key=key, value=value, etag=1)
                session.execute(
                    upsert.on_conflict_do_update(
                        index_elements=["store", "key"],
                        set_={"value": upsert.excluded.value, "etag": table.c.etag + 1},
                    )
                )
                return
            if not etag.isdigit():
                raise StateConflict(key)
            stmt = (
                update(table)
                .where(table.c.store == store, table.c.key == key, table.c.etag == int(etag))
                .values(value=value, etag=table.c.etag + 1)
                .returning(table.c.etag)
            )
            if session.execute(stmt).first() is None:
                raise StateConflict(key)

    def delete_state_sync(self, store: str, key: str, etag: str | None) -> None:
        with session_scope(self.engine) as session:
            row = session.get(EmbeddedState, (store, key))
            if row is None:
                return
            if etag is not None and str(row.etag) != etag:
                raise StateConflict(key)
            session.delete(row)

    # jobs ------------------------------------------------------------------------------
    def schedule_job_sync(
        self, app_id: str, name: str, due_at: datetime, data: dict[str, Any], overwrite: bool
    ) -> None:
        with session_scope(self.engine) as session:
            row = session.get(EmbeddedJob, name)
            if row is not None and not overwrite:
                raise StateConflict(f"job {name} exists")
            row = row or EmbeddedJob(name=name, app_id=app_id, due_at=due_at, data=data)
            row.app_id, row.due_at, row.data, row.attempts = app_id, due_at, data, 0
            session.add(row)
        self._wake.jobs.set()

    def get_job_sync(self, name: str) -> dict[str, Any] | None:
        with Session(self.engine) as session:
            row = session.get(EmbeddedJob, name)
            if row is None:
                return None
            return {"name": row.name, "dueTime": row.due_at.isoformat(), "data": row.data}

    def delete_job_sync(self, name: str) -> None:
        with session_scope(self.engine) as session:  # one statement: races are harmless
            session.execute(delete(EmbeddedJob).where(col(EmbeddedJob.name) == name))

    def _due_jobs(self) -> tuple[list[EmbeddedJob], datetime | None]:
        now = utcnow()
        with Session(self.engine) as session:
            due = list(
                session.exec(select(EmbeddedJob).where(col(EmbeddedJob.due_at) <= now).limit(500))
            )
            upcoming = session.exec(select(func.min(EmbeddedJob.due_at))).first()
        return due, upcoming

    async def _job_loop(self) -> None:
        while True:
            self._wake.jobs.clear()
            due, upcoming = await asyncio.to_thread(self._due_jobs)
            if due:
                await asyncio.gather(*(self._fire_job(job) for job in due))
                continue
            delay = 1.0
            if upcoming is not None:
                delay = min(delay, max(0.0, (upcoming - utcnow()).total_seconds()))
            await wait_for_wake(self._wake.jobs, delay)

    async def _fire_job(self, job: EmbeddedJob) -> None:
        client = self._clients.get(job.app_id)
        status = 0
        if client is not None:
            try:
                resp = await client.post(f"/job/{segment(job.name)}", json=job.data)
                status = resp.status_code
            except Exception:
                log.exception("job %s raised", job.name)
        done = 200 <= status < 300 or status == 404
        await asyncio.to_thread(self._after_fire, job, done)

    def _after_fire(self, job: EmbeddedJob, done: bool) -> None:
        with session_scope(self.engine) as session:
            row = session.get(EmbeddedJob, job.name)
            if row is None or row.due_at != job.due_at:
                return  # rescheduled or deleted while it ran
            if done or row.attempts >= JOB_RETRIES:
                session.execute(
                    delete(EmbeddedJob).where(
                        col(EmbeddedJob.name) == job.name, col(EmbeddedJob.due_at) == job.due_at
                    )
                )
            else:
                row.attempts += 1
                row.due_at = utcnow() + timedelta(seconds=1)
                session.add(row)

    # bindings --------------------------------------------------------------------------
    async def _cron_loop(self, binding: CronBinding) -> None:
        while True:
            await asyncio.sleep(binding.every_seconds)
            client = self._clients.get(binding.app_id)
            if client is None:
                continue
            try:
                await client.post(f"/{segment(binding.name)}", json={})
            except Exception:
                log.exception("binding %s raised", binding.name)


def _message(
    pubsub: str, topic: str, event: CloudEvent, partition_key: str | None
) -> EmbeddedMessage:
    return EmbeddedMessage(
        pubsub=pubsub,
        topic=topic,
        partition_key=partition_key,
        event=event.model_copy(update={"topic": topic, "pubsubname": pubsub}).model_dump(
            mode="json"
        ),
    )


def _bulk_max(config: Any) -> int:
    if isinstance(config, dict) and config.get("enabled"):
        return max(1, int(config.get("maxMessagesCount") or 100))
    return 0


def _is_json(resp: httpx.Response) -> bool:
    return "json" in resp.headers.get("content-type", "")


def _verdict(status_code: int, answer: Any) -> str:
    if status_code == 404:
        return "DROP"
    if not 200 <= status_code < 300:
        return "RETRY"
    if isinstance(answer, dict) and answer.get("status") in {"RETRY", "DROP"}:
        return str(answer["status"])
    return "SUCCESS"


class EmbeddedAppRuntime:
    """The embedded runtime as one app sees it (its jobs call back to that app)."""

    invocation = "in-process invocation"

    def __init__(self, shared: EmbeddedRuntime, app_id: str) -> None:
        self.shared = shared
        self.app_id = app_id

    @property
    def app_token(self) -> str | None:
        return self.shared.app_token

    async def start(self) -> None:  # the shared runtime is started by the embedded process
        return None

    async def stop(self) -> None:
        return None

    async def invoke(
        self,
        app_id: str,
        method: str,
        *,
        http_method: str = "GET",
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> InvokeResult:
        return await self.shared.invoke(
            app_id, method, http_method=http_method, json=json, params=params, headers=headers
        )

    async def publish(
        self, pubsub: str, topic: str, event: CloudEvent, *, partition_key: str | None = None
    ) -> None:
        await self.shared.publish(pubsub, topic, event, partition_key=partition_key)

    async def publish_bulk(self, pubsub: str, topic: str, entries: list[BulkEntry]) -> set[str]:
        return await self.shared.publish_bulk(pubsub, topic, entries)

    def local_outbox(self, engine: Engine) -> LocalOutbox | None:
        """For an outbox in the runtime's own database: a relay that moves its rows into
        the pub/sub log in one transaction (no claim, publish and forget apart)."""
        if engine.url != self.shared.engine.url:
            return None
        return LocalOutbox(self.shared.log)

    async def get_state(self, store: str, key: str) -> tuple[Any, str | None]:
        _as_sidecar(store, key)
        return await asyncio.to_thread(self.shared.get_state_sync, store, key)

    async def save_state(
        self, store: str, key: str, value: Any, *, etag: str | None = None
    ) -> None:
        _as_sidecar(store, key)
        await asyncio.to_thread(self.shared.save_state_sync, store, key, value, etag)

    async def delete_state(self, store: str, key: str, *, etag: str | None = None) -> None:
        _as_sidecar(store, key)
        await asyncio.to_thread(self.shared.delete_state_sync, store, key, etag)

    async def get_secret(self, store: str, key: str) -> str:
        return read_local_secret(self.shared.secrets_file, key)

    async def schedule_job(
        self, name: str, due_at: datetime, data: dict[str, Any], *, overwrite: bool = True
    ) -> None:
        _as_sidecar(name)
        await asyncio.to_thread(
            self.shared.schedule_job_sync, self.app_id, name, due_at, data, overwrite
        )

    async def get_job(self, name: str) -> dict[str, Any] | None:
        _as_sidecar(name)
        return await asyncio.to_thread(self.shared.get_job_sync, name)

    async def delete_job(self, name: str) -> None:
        _as_sidecar(name)
        await asyncio.to_thread(self.shared.delete_job_sync, name)


class LocalOutbox:
    """`outbox.OutboxRelay`'s way into the embedded log when both share a database."""

    def __init__(self, log: EmbeddedLog) -> None:
        self.log = log

    def relay(self, produce: Callable[[Session], list[BulkEvent]]) -> int:
        """`produce` claims outbox rows in the log's transaction and deletes them; their
        events are appended to the log in the same commit."""

        def messages(session: Session) -> list[EmbeddedMessage]:
            return [
                EmbeddedMessage(
                    pubsub=pubsub,
                    topic=topic,
                    partition_key=key,
                    event={**event, "topic": topic, "pubsubname": pubsub},  # as `_message`
                )
                for pubsub, topic, event, key in produce(session)
            ]

        return self.log.transfer(messages)


# pubsub, topic, the event (a CloudEvent's JSON form), partition key
BulkEvent = tuple[str, str, dict[str, Any], str | None]


def _as_sidecar(*segments: str) -> None:
    """State keys and job names are URL segments on the sidecar (daprd's /v1.0/state, /jobs):
    what it refuses (UnsafePath) is refused here too, so both runtimes behave alike."""
    checked_path(service_path(*segments))
