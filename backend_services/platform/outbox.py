"""Transactional outbox: events are rows written in the same transaction as the change,
then relayed to the pub/sub building block, so a committed change never loses its event."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Engine, delete, event
from sqlmodel import Field, Session, SQLModel, col, select

from backend_services.contracts import CloudEvent, EventPayload
from backend_services.platform.db import session_scope
from backend_services.platform.runtime import Runtime
from backend_services.platform.timeutil import UTCDateTime, utcnow
from backend_services.platform.waiting import wait_for_wake

log = logging.getLogger("todo.outbox")


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


class OutboxRelay:
    """Publishes outbox rows of one source in order; retries while the broker is away."""

    def __init__(self, engine: Engine, runtime: Runtime, source: str, poll_seconds: float = 1.0):
        self.engine = engine
        self.runtime = runtime
        self.source = source
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.published = 0

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
        while True:
            self._wake.clear()
            try:
                sent = await self.flush()
                backoff = self.poll_seconds
            except Exception as exc:
                log.warning("outbox relay for %s paused: %s", self.source, exc)
                sent, backoff = 0, min(backoff * 2, 10.0)
            if sent:
                continue
            await wait_for_wake(self._wake, backoff)

    async def flush(self, limit: int = 200) -> int:
        rows = await asyncio.to_thread(self._pending, limit)
        sent: list[int] = []
        try:
            for row in rows:
                await self.runtime.publish(
                    row.pubsub,
                    row.topic,
                    CloudEvent.model_validate(row.event),
                    partition_key=row.partition_key,
                )
                sent.append(row.seq or 0)
        finally:
            # published rows are forgotten even when a later one failed (no re-publish);
            # a crash before this line re-publishes them: consumers dedupe by event id
            if sent:
                await asyncio.to_thread(self._forget, sent)
                self.published += len(sent)
        return len(rows)

    def _pending(self, limit: int) -> list[OutboxEvent]:
        with Session(self.engine) as session:
            stmt = (
                select(OutboxEvent)
                .where(OutboxEvent.source == self.source)
                .order_by(OutboxEvent.seq)  # type: ignore[arg-type]
                .limit(limit)
            )
            return list(session.exec(stmt))

    def _forget(self, seqs: list[int]) -> None:
        with session_scope(self.engine) as session:
            session.execute(delete(OutboxEvent).where(col(OutboxEvent.seq).in_(seqs)))
