"""Reminder logic: keep one Dapr job per live reminder, fire each reminder exactly once.

Job triggers (at least once) and the minute sweep (for lost jobs) both end in `fire`,
whose conditional update lets only one of them win.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from backend_services.contracts import AppId, ReminderTriggered, TaskSnapshot
from backend_services.kernel.service_schemas import ReminderLateness
from backend_services.platform.idempotency import claim_many
from backend_services.platform.outbox import add_event
from backend_services.reminder_service.models import ScheduledReminder

SOURCE = AppId.REMINDERS.value
EARLY_TOLERANCE = timedelta(seconds=1)
LATENESS_SAMPLE = 5000


@dataclass(frozen=True)
class TaskChange:
    """What one task event says about a task: its state after the change."""

    event_id: str
    task: TaskSnapshot
    deleted: bool


@dataclass
class JobPlan:
    """The jobs to (re)schedule and cancel after a batch of changes: the last change to
    mention a reminder decides; `cause` names that change's event id."""

    schedule: dict[str, ScheduledReminder] = field(default_factory=dict)
    cancel: set[str] = field(default_factory=set)
    cause: dict[str, str] = field(default_factory=dict)

    def to_schedule(self, row: ScheduledReminder, event_id: str) -> None:
        self.cancel.discard(row.reminder_id)
        self.schedule[row.reminder_id] = row
        self.cause[row.reminder_id] = event_id

    def fired(self, reminder_id: str) -> None:
        """Its job has run: nothing to schedule (an earlier change of the batch may have)."""
        self.schedule.pop(reminder_id, None)
        self.cause.pop(reminder_id, None)

    def to_cancel(self, reminder_id: str) -> None:
        self.schedule.pop(reminder_id, None)
        self.cause.pop(reminder_id, None)
        self.cancel.add(reminder_id)


def plan_for_events(session: Session, consumer: str, changes: list[TaskChange]) -> JobPlan:
    """Bring our rows in line with a batch of task events, in their order, and commit with
    the events' claims before any job is scheduled (a job that fires at once finds its
    reminder). Events already claimed (redeliveries) plan nothing. Three statements for the
    whole batch: the claims, one read of the tasks' reminders, the commit's writes."""
    fresh = claim_many(session, consumer, [c.event_id for c in changes])
    changes = [c for c in changes if c.event_id in fresh]
    plan = JobPlan()
    if not changes:
        session.commit()  # nothing new: the claims are no-ops, end the transaction
        return plan
    task_ids = {c.task.id for c in changes}
    known: dict[str, dict[str, ScheduledReminder]] = {tid: {} for tid in task_ids}
    rows = session.exec(
        select(ScheduledReminder).where(col(ScheduledReminder.task_id).in_(task_ids))
    ).all()
    for row in rows:
        known[row.task_id][row.reminder_id] = row
    for change in changes:
        _plan_task(session, known[change.task.id], change, plan)
    session.commit()
    return plan


def _plan_task(
    session: Session, known: dict[str, ScheduledReminder], change: TaskChange, plan: JobPlan
) -> None:
    """One task's rows (`known`, by reminder id, updated in place) made to match the task."""
    task = change.task
    live = task.status == "pending" and not change.deleted
    wanted = {r.id: r for r in task.reminders} if live else {}
    for rid, row in known.items():
        if rid not in wanted and row.active:
            row.active = False
            session.add(row)
            plan.to_cancel(rid)
    for rid, reminder in wanted.items():
        found = known.get(rid)
        row = found or ScheduledReminder(
            reminder_id=rid,
            task_id=task.id,
            user_id=task.user_id,
            title=task.title,
            due_at=task.due_at,
            remind_at=reminder.at,
            fired_at=reminder.fired_at,
        )
        known[rid] = row
        moved = row.remind_at != reminder.at
        row.title, row.due_at, row.active = task.title, task.due_at, True
        if moved:
            row.remind_at, row.fired_at = reminder.at, None
        session.add(row)
        if row.fired_at is None:
            plan.to_schedule(row, change.event_id)
        else:
            plan.fired(rid)


def fire(session: Session, reminder_id: str, now: datetime) -> ReminderTriggered | None:
    """Mark the reminder fired and stage its event, unless it already fired, is no longer
    live, or is not yet due (a job for an older time)."""
    # one statement decides and marks (two replicas or a redelivered job race here: the
    # `fired_at IS NULL` condition lets exactly one win), and returns what the event needs
    won = session.execute(
        update(ScheduledReminder)
        .where(col(ScheduledReminder.reminder_id) == reminder_id)
        .where(col(ScheduledReminder.active).is_(True))
        .where(col(ScheduledReminder.fired_at).is_(None))
        .where(col(ScheduledReminder.remind_at) <= now + EARLY_TOLERANCE)
        .values(fired_at=now)
        .returning(
            col(ScheduledReminder.user_id),
            col(ScheduledReminder.task_id),
            col(ScheduledReminder.title),
            col(ScheduledReminder.due_at),
            col(ScheduledReminder.remind_at),
        )
        .execution_options(synchronize_session=False)
    ).first()
    if won is None:
        session.rollback()
        return None
    user_id, task_id, title, due_at, remind_at = won
    event = ReminderTriggered(
        user_id=user_id,
        reminder_id=reminder_id,
        task_id=task_id,
        title=title,
        due_at=due_at,
        remind_at=remind_at,
        fired_at=now,
    )
    add_event(session, event, source=SOURCE)
    session.commit()
    return event


def due_unfired(session: Session, now: datetime, limit: int = 1000) -> list[str]:
    rows = session.exec(
        select(ScheduledReminder.reminder_id)
        .where(col(ScheduledReminder.active).is_(True))
        .where(col(ScheduledReminder.fired_at).is_(None))
        .where(col(ScheduledReminder.remind_at) <= now)
        .order_by(col(ScheduledReminder.remind_at))
        .limit(limit)
    ).all()
    return list(rows)


def list_reminders(
    session: Session, *, state: str | None, now: datetime, limit: int = 200
) -> list[ScheduledReminder]:
    stmt = select(ScheduledReminder).order_by(col(ScheduledReminder.remind_at))
    if state == "pending":
        stmt = stmt.where(
            col(ScheduledReminder.active).is_(True),
            col(ScheduledReminder.fired_at).is_(None),
            col(ScheduledReminder.remind_at) > now,
        )
    elif state == "late":
        stmt = stmt.where(
            col(ScheduledReminder.active).is_(True),
            col(ScheduledReminder.fired_at).is_(None),
            col(ScheduledReminder.remind_at) <= now,
        )
    elif state == "fired":
        stmt = stmt.where(col(ScheduledReminder.fired_at).is_not(None))
    return list(session.exec(stmt.limit(limit)).all())


def lateness(session: Session, now: datetime) -> ReminderLateness:
    """How late reminders fired in the last 24 hours (a sample), and how many wait."""
    fired = session.exec(
        select(ScheduledReminder.fired_at, ScheduledReminder.remind_at)
        .where(col(ScheduledReminder.fired_at) >= now - timedelta(hours=24))
        .limit(LATENESS_SAMPLE)
    ).all()
    late = sorted(max(0.0, (f - r).total_seconds()) for f, r in fired if f is not None)
    unfired = (col(ScheduledReminder.fired_at).is_(None), col(ScheduledReminder.active).is_(True))

    def count(*where: Any) -> int:
        return int(session.exec(select(func.count()).where(*where)).one())

    return ReminderLateness(
        fired_last_24h=len(late),
        mean_seconds=round(sum(late) / len(late), 3) if late else None,
        p95_seconds=round(late[min(len(late) - 1, math.ceil(0.95 * len(late)) - 1)], 3)
        if late
        else None,
        max_seconds=round(late[-1], 3) if late else None,
        pending=count(*unfired),
        overdue_unfired=count(*unfired, col(ScheduledReminder.remind_at) < now),
    )
