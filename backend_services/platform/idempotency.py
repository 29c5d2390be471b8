"""Consumers are idempotent by CloudEvent id: the claim is written in the effect's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, col

from backend_services.platform.timeutil import UTCDateTime, utcnow


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "processed_events"
    consumer: str = Field(primary_key=True, max_length=100)
    event_id: str = Field(primary_key=True, max_length=200)
    processed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


def claim(session: Session, consumer: str, event_id: str) -> bool:
    """True the first time `consumer` sees `event_id`; False for a redelivery.

    One statement (`INSERT … ON CONFLICT DO NOTHING`, PostgreSQL and SQLite alike): no
    read first, and two replicas racing on one event cannot both win."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(ProcessedEvent)
        .values(consumer=consumer, event_id=event_id, processed_at=utcnow())
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
    )
    result = session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def claim_many(session: Session, consumer: str, event_ids: list[str]) -> set[str]:
    """`claim` for a batch, in one statement: the ids seen for the first time."""
    if not event_ids:
        return set()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    stmt = (
        insert(ProcessedEvent)
        .values([{"consumer": consumer, "event_id": i, "processed_at": now} for i in event_ids])
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
        .returning(col(ProcessedEvent.event_id))
    )
    return set(session.execute(stmt).scalars())
