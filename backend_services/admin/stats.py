"""Counts for operators: tasks, users, event rate (audit log), reminder lateness.

Reads the audit and reminder tables directly: every service shares one database today
(see docs/security.md); with split databases these would become service calls."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from backend_services.admin.schemas import (
    EventRates,
    ReminderLateness,
    Stats,
    TaskCounts,
    UserCounts,
)
from backend_services.audit.models import AuditRecord
from backend_services.reminders.models import ScheduledReminder
from backend_services.tasks.models import Task
from backend_services.users.models import User

LATENESS_SAMPLE = 5000


def collect(session: Session, now: datetime) -> Stats:
    return Stats(
        at=now,
        tasks=_tasks(session, now),
        users=_users(session),
        events=_events(session, now),
        reminders=_reminders(session, now),
    )


def _count(session: Session, *where: Any) -> int:
    return int(session.exec(select(func.count()).where(*where)).one())


def _tasks(session: Session, now: datetime) -> TaskCounts:
    by_status = dict(
        session.exec(select(Task.status, func.count()).group_by(Task.status)).all()  # type: ignore[call-overload]
    )
    overdue = _count(session, Task.status == "pending", col(Task.due_at) < now)
    return TaskCounts(
        total=sum(by_status.values()),
        pending=by_status.get("pending", 0),
        completed=by_status.get("completed", 0),
        overdue=overdue,
    )


def _users(session: Session) -> UserCounts:
    return UserCounts(
        total=_count(session, col(User.id).is_not(None)),
        disabled=_count(session, col(User.disabled).is_(True)),
        admins=_count(session, User.role == "admin"),
    )


def _events(session: Session, now: datetime) -> EventRates:
    last_minute = _count(session, col(AuditRecord.time) >= now - timedelta(minutes=1))
    last_15 = _count(session, col(AuditRecord.time) >= now - timedelta(minutes=15))
    return EventRates(last_minute=last_minute, per_minute_last_15=round(last_15 / 15, 2))


def _reminders(session: Session, now: datetime) -> ReminderLateness:
    fired = session.exec(
        select(ScheduledReminder.fired_at, ScheduledReminder.remind_at)
        .where(col(ScheduledReminder.fired_at) >= now - timedelta(hours=24))
        .limit(LATENESS_SAMPLE)
    ).all()
    late = sorted(max(0.0, (f - r).total_seconds()) for f, r in fired if f is not None)
    unfired = (col(ScheduledReminder.fired_at).is_(None), col(ScheduledReminder.active).is_(True))
    return ReminderLateness(
        fired_last_24h=len(late),
        mean_seconds=round(sum(late) / len(late), 3) if late else None,
        p95_seconds=round(late[min(len(late) - 1, math.ceil(0.95 * len(late)) - 1)], 3)
        if late
        else None,
        max_seconds=round(late[-1], 3) if late else None,
        pending=_count(session, *unfired),
        overdue_unfired=_count(session, *unfired, col(ScheduledReminder.remind_at) < now),
    )
