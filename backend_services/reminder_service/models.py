"""The reminder service's own view of every reminder, built from task events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from backend_services.platform.timeutil import UTCDateTime


class ScheduledReminder(SQLModel, table=True):
    __tablename__ = "scheduled_reminders"
    reminder_id: str = Field(primary_key=True, max_length=36)
    task_id: str = Field(index=True, max_length=36)
    user_id: str = Field(index=True, max_length=64)
    title: str = Field(max_length=500)
    due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    remind_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    active: bool = Field(default=True, index=True)
    fired_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


def job_name(reminder_id: str) -> str:
    return f"reminder-{reminder_id}"


def reminder_id_from_job(name: str) -> str | None:
    return name.removeprefix("reminder-") if name.startswith("reminder-") else None
