"""Bodies one service reads from another over service invocation, in one module.

Events have their contracts in `contracts.py`; these are the synchronous counterpart: what
audit-service and reminder-service answer to task-service's admin API, and what
task-service answers to notification-service. A caller imports its answer's shape from here,
never from the other service's package (whose tables it must not read either).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field


class AuditPublic(BaseModel):
    event_id: str
    topic: str
    type: str
    user_id: str | None
    time: datetime
    source: str
    digest: str


class DeadLetterPublic(BaseModel):
    id: int
    event_id: str | None
    original_topic: str
    event: dict[str, Any]
    received_at: datetime
    status: str


class EventRates(BaseModel):
    """audit-service: events recorded lately."""

    last_minute: int
    per_minute_last_15: float


class ReminderView(BaseModel):
    reminder_id: str
    task_id: str
    user_id: str
    title: str
    remind_at: datetime
    fired_at: datetime | None
    active: bool
    job: dict[str, Any] | None = None


class ReminderLateness(BaseModel):
    """reminder-service: how late reminders fired in the last 24 hours, and what waits."""

    fired_last_24h: int
    mean_seconds: float | None
    p95_seconds: float | None
    max_seconds: float | None
    pending: int
    overdue_unfired: int


class ZonesQuery(BaseModel):
    user_ids: list[Annotated[str, Field(max_length=64)]] = Field(max_length=1000)


class UserZones(BaseModel):
    """task-service: the time zone of each user asked about that exists (others left out)."""

    zones: dict[str, str]
