"""The append-only audit log and the dead-letter store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from backend_services.platform.timeutil import UTCDateTime, utcnow


class AuditRecord(SQLModel, table=True):
    __tablename__ = "audit_log"
    seq: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(unique=True, max_length=200)
    topic: str = Field(max_length=200)
    type: str = Field(index=True, max_length=200)
    user_id: str | None = Field(default=None, index=True, max_length=64)
    time: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    source: str = Field(max_length=200)
    digest: str = Field(max_length=64)
    recorded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class DeadLetter(SQLModel, table=True):
    __tablename__ = "dead_letters"
    id: int | None = Field(default=None, primary_key=True)
    event_id: str | None = Field(default=None, max_length=200, index=True)
    topic: str = Field(max_length=200)
    original_topic: str = Field(max_length=200)
    event: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    received_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    status: str = Field(default="pending", max_length=16)
