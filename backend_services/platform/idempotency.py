"""Consumers are idempotent by CloudEvent id: the claim is written in the effect's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col

from backend_services.platform.timeutil import UTCDateTime, utcnow

CLAIMS_TABLE = "processed_events"


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = CLAIMS_TABLE
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
        .returning(col(ProcessedEvent.event_id))
    )
    # the returned row, not `rowcount`: through an ORM session PostgreSQL (psycopg)
    # reports -1 for this statement, which read as "claimed" on every redelivery
    return session.execute(stmt).first() is not None


def claimed(session: Session, consumer: str, event_id: str) -> bool:
    """Whether `consumer` already claimed `event_id` (for an effect outside the database,
    checked before it and claimed after it: `claim`)."""
    key = {"consumer": consumer, "event_id": event_id}
    return session.get(ProcessedEvent, key) is not None


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


def is_duplicate_claim(exc: IntegrityError) -> bool:
    """Whether `exc` is a second claim of one (consumer, event id): a redelivered event,
    safe to acknowledge. Any other integrity error (a handler's own unique key, a foreign
    key, a NOT NULL) is a failure to retry or dead-letter, never a duplicate.

    `claim` itself never raises this (`ON CONFLICT DO NOTHING`); a plain insert of a claim
    row racing another replica does."""
    diag = getattr(exc.orig, "diag", None)  # psycopg: the table the violated key is on
    if diag is not None and getattr(diag, "table_name", None):
        return bool(diag.table_name == CLAIMS_TABLE and exc.orig.sqlstate == "23505")  # type: ignore[union-attr]
    # SQLite: "UNIQUE constraint failed: processed_events.consumer, processed_events.event_id"
    return f"UNIQUE constraint failed: {CLAIMS_TABLE}." in str(exc.orig)
