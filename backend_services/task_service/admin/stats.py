"""Counts for operators: tasks and users from task-service's own tables; the event rate and
reminder lateness from audit-service and reminder-service, asked through service
invocation (each service reads only its own tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from backend_services.contracts import AppId
from backend_services.kernel.accounts import User
from backend_services.kernel.service_schemas import EventRates, ReminderLateness
from backend_services.platform.app_support import AppContext
from backend_services.platform.auth import Principal
from backend_services.task_service.admin import proxy
from backend_services.task_service.admin.schemas import Stats, TaskCounts, UserCounts
from backend_services.task_service.tasks.models import Task


async def collect(ctx: AppContext, admin: Principal, session: Session, now: datetime) -> Stats:
    events = await proxy.call(ctx, admin, AppId.AUDIT.value, "audit/rates")
    reminders = await proxy.call(ctx, admin, AppId.REMINDERS.value, "reminders/lateness")
    return Stats(
        at=now,
        tasks=_tasks(session, now),
        users=_users(session),
        events=EventRates.model_validate(events),
        reminders=ReminderLateness.model_validate(reminders),
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
