"""reminder-service's handlers: the task events it plans jobs from (declared with their
topic), and what fires a reminder: its Dapr job, or the minute sweep for a lost job."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from fastapi.concurrency import run_in_threadpool
from opentelemetry import trace

from backend_services.contracts import (
    PUBSUB,
    AppId,
    CloudEvent,
    EventPayload,
    TaskCompleted,
    TaskCreated,
    TaskDeleted,
    TaskReopened,
    TaskUpdated,
    Topic,
)
from backend_services.platform.app_support import AppContext
from backend_services.platform.db import new_session
from backend_services.platform.event_handlers import EventHandlers
from backend_services.platform.telemetry import metrics, tracing
from backend_services.platform.timeutil import utcnow
from backend_services.reminder_service import service
from backend_services.reminder_service.models import job_name

log = logging.getLogger("todo.reminders")

handlers = EventHandlers(AppId.REMINDERS)


@handlers.batch(
    PUBSUB,
    Topic.TASK_EVENTS,
    "/events/task",
    acts_on=(TaskCreated, TaskUpdated, TaskCompleted, TaskReopened, TaskDeleted),
)
async def on_task_events(ctx: AppContext, events: list[tuple[CloudEvent, EventPayload]]) -> None:
    """A bulk delivery of task events: planned in one transaction, then the jobs."""
    changes = [
        service.TaskChange(event.id, payload.task, isinstance(payload, TaskDeleted))
        for event, payload in events
        # an account's deletion: its tasks' TaskDeleted events came first
        if isinstance(
            payload, TaskCreated | TaskUpdated | TaskCompleted | TaskReopened | TaskDeleted
        )
    ]
    if not changes:
        return

    def plan() -> service.JobPlan:
        with new_session(ctx.engine) as session:
            return service.plan_for_events(session, ctx.app_id, changes)

    # Jobs are idempotent (overwrite / delete); the rows commit first so a job that
    # fires straight away finds its reminder. A lost job is caught by the sweep.
    job_plan = await run_in_threadpool(plan)
    # each job carries the trace context of the event that set it: its firing, later
    # and in a trace of its own, links back to the request that set the reminder
    causes = {event.id: event.traceparent for event, _ in events}
    for rid, row in job_plan.schedule.items():
        cause = causes.get(job_plan.cause[rid])
        await ctx.runtime.schedule_job(
            job_name(rid),
            row.remind_at,
            {"reminder_id": rid, **({"traceparent": cause} if cause else {})},
            overwrite=True,
        )
    for rid in job_plan.cancel:
        await ctx.runtime.delete_job(job_name(rid))


def sweep_due(ctx: AppContext) -> int:
    """Fire reminders whose job is overdue by more than the grace period (a lost job)."""
    now = utcnow()
    overdue_since = now - timedelta(seconds=ctx.settings.reminder_sweep_grace_seconds)
    with new_session(ctx.engine) as session:
        due = service.due_unfired(session, overdue_since)
    if not due:
        return 0
    with tracing.tracer().start_as_current_span("reminder sweep", attributes={"due": len(due)}):
        fired = sum(fire_reminder(ctx, rid, now, "sweep") for rid in due)
    if fired:
        log.info("sweep fired %d reminder(s) whose job did not", fired)
    return fired


def fire_reminder(ctx: AppContext, rid: str, now: datetime, path: str) -> bool:
    """Fire one reminder (see service.fire); its lateness is observed when it does."""
    with new_session(ctx.engine) as session:
        event = service.fire(session, rid, now)
    if event is None:
        return False
    late = max(0.0, (event.fired_at - event.remind_at).total_seconds())
    metrics.REMINDER_LATENESS.labels(path).observe(late)
    # on the firing's span too, so its trace alone says how late it was
    trace.get_current_span().set_attributes(
        {
            "todo.reminder.lateness_seconds": late,
            "todo.reminder.remind_at": event.remind_at.isoformat(),
        }
    )
    log.info("reminder %s fired by %s, %.1f s after its time", rid, path, late)
    return True


def job_traceparent(body: bytes) -> str | None:
    """The trace context stored in a job's data when it was scheduled (None if absent)."""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return None
    value = data.get("traceparent") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None
