"""Task and reminder tables."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel

from backend_services.platform.timeutil import UTCDateTime, utcnow


def new_id() -> str:
    return str(uuid.uuid4())


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("series_id", "due_at", name="uq_tasks_series_due"),
        Index("ix_tasks_user_list", "user_id", "list_name"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(index=True, max_length=64)
    title: str = Field(max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    status: str = Field(default="pending", max_length=16, index=True)
    priority: str = Field(default="none", max_length=16)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, index=True))
    timezone: str = Field(default="UTC", max_length=64)
    # when it must be done (a date, in the task's zone; never repeats), apart from due_at
    # (when the person plans to do it); and how long it takes
    deadline: date | None = Field(default=None, index=True)
    duration_minutes: int | None = None
    recurrence: str | None = Field(default=None, max_length=500)
    # "every 3 days after I finish": the next occurrence counts from the completion
    repeat_from_completion: bool = Field(default=False)
    list_name: str = Field(default="Inbox", max_length=100)
    series_id: str | None = Field(default=None, max_length=36, index=True)
    series_start: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))

    reminders: list["Reminder"] = Relationship(
        sa_relationship_kwargs={
            "cascade": "all, delete-orphan",
            "order_by": "Reminder.at",
            "lazy": "selectin",
        },
    )


class Reminder(SQLModel, table=True):
    __tablename__ = "reminders"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    task_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("tasks.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    offset_minutes: int | None = None
    fired_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "offset_minutes": self.offset_minutes,
            "fired_at": self.fired_at,
        }
