"""reminder-service's routes: the admin views (`router`), and the runtime's triggers (a job
fired, the sweep binding), which app.py mounts on the app itself: runtime-only routes stay
in the app's own route list, where the app-token guard's tests enumerate them."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from backend_services.kernel.service_schemas import ReminderLateness, ReminderView
from backend_services.platform.app_support import AdminDep, CtxDep
from backend_services.platform.db import new_session
from backend_services.platform.telemetry import tracing
from backend_services.platform.timeutil import utcnow
from backend_services.reminder_service import service
from backend_services.reminder_service.handlers import fire_reminder, job_traceparent, sweep_due
from backend_services.reminder_service.models import job_name, reminder_id_from_job

log = logging.getLogger("todo.reminders")

router = APIRouter()


async def job_triggered(name: str, request: Request, ctx: CtxDep) -> dict[str, str]:
    rid = reminder_id_from_job(name)
    if rid is None:
        log.warning("job %s is not a reminder; ignored", name)
        return {"status": "ignored"}
    with tracing.tracer().start_as_current_span(
        "reminder job fired",
        links=tracing.link_to(job_traceparent(await request.body())),
        attributes={"todo.reminder_id": rid},
    ):
        fired = await run_in_threadpool(fire_reminder, ctx, rid, utcnow(), "job")
    return {"status": "fired" if fired else "skipped"}


def sweep(ctx: CtxDep) -> dict[str, int]:
    return {"fired": sweep_due(ctx)}


@router.get("/reminders/lateness", response_model=ReminderLateness, tags=["admin"])
def reminder_lateness(_admin: AdminDep, ctx: CtxDep) -> ReminderLateness:
    """For task-service's `GET /admin/stats`."""
    with new_session(ctx.engine) as session:
        return service.lateness(session, utcnow())


@router.get("/reminders", response_model=list[ReminderView], tags=["admin"])
async def list_reminders(
    _admin: AdminDep,
    ctx: CtxDep,
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
