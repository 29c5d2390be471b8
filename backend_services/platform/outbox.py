"""Transactional outbox: events are rows written in the same transaction as the change,
then relayed to the pub/sub building block, so a committed change never loses its event."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from opentelemetry.trace import Span, SpanKind
from sqlalchemy import JSON, Column, Engine, delete, event, text
from sqlmodel import Field, Session, SQLModel, col, select

from backend_services.contracts import CloudEvent, EventPayload
from backend_services.platform.runtime import Runtime, RuntimeUnavailable
from backend_services.platform.telemetry import tracing
from backend_services.platform.timeutil import UTCDateTime, utcnow
from backend_services.platform.waiting import Linger, wait_for_wake

log = logging.getLogger("todo.outbox")
T = TypeVar("T")


class OutboxEvent(SQLModel, table=True):
    __tablename__ = "outbox"
    seq: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(unique=True, max_length=64)
    source: str = Field(max_length=100)
    pubsub: str = Field(max_length=100)
    topic: str = Field(max_length=200)
    partition_key: str | None = Field(default=None, max_length=200)
    event: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    # the staging request's W3C trace context: the relay's publish continues that trace
    traceparent: str | None = Field(default=None, max_length=64)


def add_event(session: Session, payload: EventPayload, *, source: str) -> CloudEvent:
    """Stage `payload` for publication; it is published only if the transaction commits."""
    cloud_event = CloudEvent.wrap(payload, source=source)
    session.add(
        OutboxEvent(
            event_id=cloud_event.id,
            source=source,
            pubsub=payload.pubsub,
            topic=payload.topic.value,
            partition_key=payload.partition_key,
            event=cloud_event.model_dump(mode="json"),
            traceparent=tracing.traceparent_of(),
        )
    )
    session.info["outbox_sources"] = {*session.info.get("outbox_sources", set()), source}
    return cloud_event


_relays: list[OutboxRelay] = []


@event.listens_for(Session, "after_commit")
def _wake_relays(session: Session) -> None:
    sources = session.info.pop("outbox_sources", None)
    if sources:
        for relay in _relays:
            if relay.source in sources:
                relay.notify()


async def _in_thread(fn: Callable[..., T], *args: Any) -> T:
    """`asyncio.to_thread`, but a cancelled caller still waits for the thread to finish,
    so the session it uses is never closed under it."""
    running = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        await asyncio.wait([running])
        raise


class OutboxPublishFailed(RuntimeUnavailable):
    """Some rows of a batch were not published; they (and later rows of their keys) stay."""


def _lock_key(source: str) -> int:
    """A stable signed 64-bit PostgreSQL advisory-lock key for one source's outbox."""
    digest = hashlib.blake2b(f"outbox:{source}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class OutboxRelay:
    """Publishes outbox rows of one source, in order per partition key; retries while the
    broker is away (at-least-once: a crash between publish and forget re-publishes).

    Each round claims up to `batch_size` rows in `seq` order, bulk-publishes them per
    (pubsub, topic) with per-entry partition keys, and deletes the rows that were published
    in one transaction. A key whose entry failed keeps that row and every later row of the
    key, so the retry re-publishes them in order. On PostgreSQL the round runs inside a
    transaction holding `pg_try_advisory_xact_lock(source)`: with several replicas, one
    relay per source drains at a time (the others find the lock taken and retry shortly),
    so no row is published twice concurrently and order per key holds across replicas.
    `bulk=False` is the former one-event-at-a-time path (kept for the benchmark).

    Linger (`waiting.Linger`): a round costs about the same for one row as for fifty (three
    round trips to the database, one bulk publish through daprd into Kafka), so while rows
    arrive faster than one per `linger_seconds`, a wake-up waits that long and the next
    round takes what committed meanwhile. A lone event, or a slower flow, goes at once.
    """

    def __init__(
        self,
        engine: Engine,
        runtime: Runtime,
        source: str,
        poll_seconds: float = 1.0,
        *,
        batch_size: int = 500,
        bulk: bool = True,
        linger_seconds: float = 0.0,
    ):
        self.engine = engine
        self.runtime = runtime
        self.source = source
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.bulk = bulk
        self.linger_seconds = linger_seconds
        self.busy_retry_seconds = 0.05
        self._lock_key = _lock_key(source) if engine.dialect.name == "postgresql" else None
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.published = 0
        self.busy = False  # last round found another relay of this source draining
        # a runtime whose pub/sub log lives in this database (the embedded one) takes the
        # rows in one transaction: claimed, appended to its log and deleted in one commit
        # (the runtime's own method: a wrapper around a runtime keeps the publish path)
        local = getattr(type(runtime), "local_outbox", None)
        self._local = local(runtime, engine) if callable(local) and bulk else None

    def notify(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        _relays.append(self)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self in _relays:
            _relays.remove(self)
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        backoff = self.poll_seconds
        linger = Linger(self.linger_seconds)
        while True:
            self._wake.clear()
            try:
                sent = await self.flush()
                backoff = self.poll_seconds
            except Exception as exc:
                log.warning("outbox relay for %s paused: %s", self.source, exc)
                sent, backoff = 0, min(backoff * 2, 10.0)
            linger.handled(sent)
            if sent >= self.batch_size:
                continue  # a full round: more rows are likely waiting
            # a shorter round read everything committed before it; rows committed since
            # have set `_wake` (after_commit), so the wait below returns at once for them
            # and an empty round (lock, select, rollback: three round trips) is saved
            # another replica holds the source: it drains what we staged; look again soon
            # in case it had already read past our rows when we committed them
            await wait_for_wake(
                self._wake, min(backoff, self.busy_retry_seconds) if self.busy else backoff
            )
            await linger.pause()  # under a steady flow: let the next few commit too

    async def flush(self, limit: int | None = None) -> int:
        """One round; returns how many rows were published and forgotten. Raises
        OutboxPublishFailed (after forgetting the successes) when some were not."""
        if self._local is not None:
            return await self._flush_locally(limit or self.batch_size)
        session = Session(self.engine, expire_on_commit=False)
        try:
            rows = await _in_thread(self._claim, session, limit or self.batch_size)
            self.busy = rows is None
            if not rows:
                return 0
            if self.bulk:
                done, error = await self._publish_bulk(rows)
            else:
                done, error = await self._publish_each(rows)
            if done:
                await _in_thread(self._forget, session, done)
                self.published += len(done)
                from backend_services.platform.telemetry import metrics

                metrics.OUTBOX_PUBLISHED.labels(self.source).inc(len(done))
            if error is not None:
                raise error
            return len(done)
        finally:
            session.close()  # rolls back whatever is open, releasing the advisory lock

    async def _flush_locally(self, limit: int) -> int:
        spans: list[Span] = []

        def produce(session: Session) -> list[tuple[str, str, dict[str, Any], str | None]]:
            rows = self._claim(session, limit)
            self.busy = rows is None
            if not rows:
                return []
            session.execute(
                delete(OutboxEvent).where(col(OutboxEvent.seq).in_([r.seq for r in rows]))
            )
            moved = []
            for row in rows:
                spans.append(_producer_span(row))
                # as stored (a CloudEvent's JSON form), with the publish span's context
                traceparent = tracing.traceparent_of(spans[-1])
                event = (
                    row.event
                    if traceparent is None
                    else {**row.event, "traceparent": traceparent, "traceid": traceparent}
                )
                moved.append((row.pubsub, row.topic, event, row.partition_key))
            return moved

        try:
            done = await _in_thread(self._local.relay, produce)  # type: ignore[union-attr]
        except Exception as exc:
            for span in spans:
                tracing.mark_error(span, str(exc))
            raise
        finally:
            for span in spans:
                span.end()
        if done:
            self.published += done
            from backend_services.platform.telemetry import metrics

            metrics.OUTBOX_PUBLISHED.labels(self.source).inc(done)
        return done  # type: ignore[no-any-return]

    def _claim(self, session: Session, limit: int) -> list[OutboxEvent] | None:
        if self._lock_key is not None:
            lock = text("SELECT pg_try_advisory_xact_lock(:key)")
            if not session.execute(lock, {"key": self._lock_key}).scalar():
                return None
        stmt = (
            select(OutboxEvent)
            .where(OutboxEvent.source == self.source)
            .order_by(OutboxEvent.seq)  # type: ignore[arg-type]
            .limit(limit)
        )
        rows = list(session.exec(stmt))
        lag = (utcnow() - rows[0].created_at).total_seconds() if rows else 0.0
        from backend_services.platform.telemetry import metrics  # not for CLI writes (prometheus)

        metrics.OUTBOX_LAG.labels(self.source).set(max(0.0, lag))
        return rows

    def _forget(self, session: Session, seqs: list[int]) -> None:
        session.execute(delete(OutboxEvent).where(col(OutboxEvent.seq).in_(seqs)))
        session.commit()

    async def _publish_each(self, rows: list[OutboxEvent]) -> tuple[list[int], Exception | None]:
        """The former path: one publish per row, stop at the first failure."""
        done: list[int] = []
        for row in rows:
            span = _producer_span(row)
            try:
                await self.runtime.publish(
                    row.pubsub, row.topic, _traced_event(row, span), partition_key=row.partition_key
                )
            except Exception as exc:
                tracing.mark_error(span, str(exc))
                span.end()
                return done, exc
            span.end()
            done.append(row.seq or 0)
        return done, None

    async def _publish_bulk(self, rows: list[OutboxEvent]) -> tuple[list[int], Exception | None]:
        groups: dict[tuple[str, str], list[OutboxEvent]] = {}
        for row in rows:
            groups.setdefault((row.pubsub, row.topic), []).append(row)
        spans = {row.event_id: _producer_span(row) for row in rows}
        results = await asyncio.gather(
            *(
                self.runtime.publish_bulk(
                    pubsub,
                    topic,
                    [(_traced_event(r, spans[r.event_id]), r.partition_key) for r in group],
                )
                for (pubsub, topic), group in groups.items()
            ),
            return_exceptions=True,
        )
        done: list[int] = []
        error: Exception | None = None
        not_sent = 0
        for group, result in zip(groups.values(), results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, Exception):
                    raise result
                error = error or result
                failed = {row.event_id for row in group}
            else:
                failed = result
            # order per key: a key stops at its first failed entry; later rows of the key
            # stay too, even when the broker took them, so the retry re-sends them in order
            stopped: set[str] = set()
            for row in group:
                key = row.partition_key
                if row.event_id in failed:
                    tracing.mark_error(spans[row.event_id], "not published")
                spans[row.event_id].end()
                if row.event_id in failed or (key is not None and key in stopped):
                    not_sent += 1
                    if key is not None:
                        stopped.add(key)
                    continue
                done.append(row.seq or 0)
        if error is None and not_sent:
            error = OutboxPublishFailed(
                f"{not_sent} of {len(rows)} events of {self.source} kept for a retry"
            )
        return done, error


def _producer_span(row: OutboxEvent) -> Span:
    """The publish of one row, a child of the request that staged it (a root without one)."""
    return tracing.tracer().start_span(
        f"publish {row.topic}",
        context=tracing.context_from(row.traceparent),
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.destination.name": row.topic,
            "messaging.message.id": row.event_id,
            "todo.outbox.source": row.source,
        },
    )


def _traced_event(row: OutboxEvent, span: Span) -> CloudEvent:
    """The stored event carrying the publish span's context (consumers continue from it)."""
    return CloudEvent.model_validate(row.event).with_trace(tracing.traceparent_of(span))
