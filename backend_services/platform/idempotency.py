"""Consumers are idempotent by CloudEvent id: the claim is written in the effect's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, Session, SQLModel

from backend_services.platform.timeutil import UTCDateTime, utcnow


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "processed_events"
    consumer: str = Field(primary_key=True, max_length=100)
    event_id: str = Field(primary_key=True, max_length=200)
    processed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


def claim(session: Session, consumer: str, event_id: str) -> bool:
    """True the first time `consumer` sees `event_id`; False for a redelivery."""
    if session.get(ProcessedEvent, (consumer, event_id)) is not None:
        return False
    session.add(ProcessedEvent(consumer=consumer, event_id=event_id))
    session.flush()
    return True
