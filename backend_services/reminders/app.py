"""reminder-service: one Dapr job per reminder, a minute sweep, ReminderTriggered events."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from opentelemetry import trace

from backend_services.contracts import (
    PUBSUB,
    REMINDER_SWEEP_BINDING,
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
from backend_services.platform.app_support import AdminDep, AppContext, build_service_app
from backend_services.platform.db import new_session
from backend_services.platform.runtime import Runtime
from backend_services.platform.settings import Settings
from backend_services.platform.subscriptions import Subscribed, mount_subscriptions
from backend_services.platform.telemetry import metrics, tracing
from backend_services.platform.timeutil import utcnow
from backend_services.reminders import service
from backend_services.reminders.models import job_name, reminder_id_from_job
from backend_services.service_schemas import ReminderLateness, ReminderView
from backend_services.users.principals import resolve_principal

log = logging.getLogger("todo.reminders")


def create_app(settings: Settings, runtime: Runtime) -> FastAPI:
    app, ctx = build_service_app(
        settings,
        runtime,
        AppId.REMINDERS.value,
        title="Reminder service",
        description="Schedules a Dapr job per reminder and fires each reminder once.",
        principals=resolve_principal,
    )

    async def on_task_events(events: list[tuple[CloudEvent, EventPayload]]) -> None:
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

    mount_subscriptions(
        app,
        [
            Subscribed(
                PUBSUB,
                Topic.TASK_EVENTS.value,
                "/events/task",
                batch_handler=on_task_events,
                event_types=frozenset(
                    t.event_type
                    for t in (TaskCreated, TaskUpdated, TaskCompleted, TaskReopened, TaskDeleted)
                ),
            ),
        ],
    )

    @app.post("/job/{name}", include_in_schema=False)
    async def job_triggered(name: str, request: Request) -> dict[str, str]:
        rid = reminder_id_from_job(name)
        if rid is None:
            log.warning("job %s is not a reminder; ignored", name)
            return {"status": "ignored"}
        with tracing.tracer().start_as_current_span(
            "reminder job fired",
            links=tracing.link_to(_job_traceparent(await request.body())),
            attributes={"todo.reminder_id": rid},
        ):
            fired = await run_in_threadpool(fire_reminder, ctx, rid, utcnow(), "job")
        return {"status": "fired" if fired else "skipped"}

    app.state.untraced_paths.add(f"/{REMINDER_SWEEP_BINDING}")  # a span only when it fires

    @app.post(f"/{REMINDER_SWEEP_BINDING}", include_in_schema=False)
    def sweep() -> dict[str, int]:
        return {"fired": sweep_due(ctx)}

    @app.get("/reminders/lateness", response_model=ReminderLateness, tags=["admin"])
    def reminder_lateness(_admin: AdminDep) -> ReminderLateness:
        """For task-service's `GET /admin/stats`."""
        with new_session(ctx.engine) as session:
            return service.lateness(session, utcnow())

    @app.get("/reminders", response_model=list[ReminderView], tags=["admin"])
    async def list_reminders(
        _admin: AdminDep,
        state: Annotated[Literal["pending", "late", "fired"] | None, Query()] = None,
        with_jobs: bool = False,
    ) -> list[ReminderView]:
        def load() -> list[ReminderView]:
            with new_session(ctx.engine) as session:
                rows = service.list_reminders(session, state=state, now=utcnow())
                return [ReminderView.model_validate(r, from_attributes=True) for r in rows]

        views = await run_in_threadpool(load)
        if with_jobs:
            for view in views[:50]:
                view.job = await ctx.runtime.get_job(job_name(view.reminder_id))
        return views

    ctx.relay_outbox(service.SOURCE)
    return app


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


def _job_traceparent(body: bytes) -> str | None:
    """The trace context stored in a job's data when it was scheduled (None if absent)."""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return None
    value = data.get("traceparent") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None
