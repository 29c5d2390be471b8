"""Tables backing the embedded runtime: state, a durable pub/sub log with offsets, and jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from backend_services.platform.timeutil import UTCDateTime


class EmbeddedState(SQLModel, table=True):
    __tablename__ = "embedded_state"
    store: str = Field(primary_key=True, max_length=100)
    key: str = Field(primary_key=True, max_length=400)
    value: Any = Field(sa_column=Column(JSON, nullable=True))
    etag: int = 1


class EmbeddedMessage(SQLModel, table=True):
    __tablename__ = "embedded_pubsub_log"
    seq: int | None = Field(default=None, primary_key=True)
    pubsub: str = Field(index=True, max_length=100)
    topic: str = Field(index=True, max_length=200)
    partition_key: str | None = Field(default=None, max_length=200)
    event: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class EmbeddedOffset(SQLModel, table=True):
    __tablename__ = "embedded_pubsub_offset"
    consumer: str = Field(primary_key=True, max_length=200)
    pubsub: str = Field(primary_key=True, max_length=100)
    topic: str = Field(primary_key=True, max_length=200)
    seq: int = 0


class EmbeddedJob(SQLModel, table=True):
    __tablename__ = "embedded_jobs"
    name: str = Field(primary_key=True, max_length=300)
    app_id: str = Field(max_length=100)
    due_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    attempts: int = 0
