"""Each user's notification inbox."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from backend_services.platform.timeutil import UTCDateTime, utcnow


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    user_id: str = Field(index=True, max_length=64)
    source_event_id: str = Field(unique=True, max_length=200)
    reminder_id: str | None = Field(default=None, max_length=36)
    task_id: str | None = Field(default=None, max_length=36)
    title: str = Field(max_length=500)
    body: str = Field(max_length=2000)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    acked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class NotificationPublic(BaseModel):
    id: str
    task_id: str | None
    reminder_id: str | None
    title: str
    body: str
    created_at: datetime
    delivered_at: datetime | None
    acked_at: datetime | None
