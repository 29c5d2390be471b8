"""recurring-worker: when a recurring task is completed, asks task-service for its next
occurrence. task-service makes that idempotent per series and occurrence.

A rule task-service cannot evaluate (422: refused, or no next instance within its bounds) will
not improve with retries: the event is dropped to the dead-letter topic with the reason logged,
and the next events keep flowing."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI

from backend_services.contracts import PUBSUB, AppId, CloudEvent, EventPayload, TaskCompleted, Topic
from backend_services.platform.app_support import build_service_app
from backend_services.platform.db import new_session
from backend_services.platform.idempotency import claim, claimed
from backend_services.platform.runtime import Runtime
from backend_services.platform.service_paths import UnsafePath, service_path
from backend_services.platform.settings import Settings
from backend_services.platform.subscriptions import (
    PermanentFailure,
    Subscribed,
    mount_subscriptions,
)

log = logging.getLogger("todo.recurring")


class NextOccurrenceFailed(Exception):
    pass


def create_app(settings: Settings, runtime: Runtime) -> FastAPI:
    app, ctx = build_service_app(
        settings,
        runtime,
        AppId.RECURRING.value,
        title="Recurring-task worker",
        description="Creates the next occurrence of a completed recurring task.",
    )

    async def on_task_event(event: CloudEvent, payload: EventPayload) -> None:
        if not isinstance(payload, TaskCompleted) or not payload.task.recurrence:
            return
        with new_session(ctx.engine) as session:
            if claimed(session, ctx.app_id, event.id):
                log.info("event %s already handled; no second call", event.id)
                return
        try:
            path = service_path("internal", "tasks", payload.task.id, "next-occurrence")
        except UnsafePath as exc:  # no id of ours: retries would not help
            raise PermanentFailure(f"task id {payload.task.id!r}: {exc}") from exc
        result = await ctx.runtime.invoke(
            AppId.TASKS.value,
            path,
            http_method="POST",
            headers={"authorization": f"Bearer {ctx.service_token()}"},
        )
        if result.status_code == 404:
            log.info("task %s is gone; no next occurrence", payload.task.id)
        elif result.status_code == 422:
            raise PermanentFailure(
                f"task {payload.task.id} (recurrence {payload.task.recurrence!r}): "
                f"no next occurrence: {_reason(result.body)}"
            )
        elif not result.ok:
            raise NextOccurrenceFailed(f"task-service answered {result.status_code}")
        with new_session(ctx.engine) as session:
            if not claim(session, ctx.app_id, event.id):  # harmless: the call is idempotent
                log.info("event %s was handled by another replica meanwhile", event.id)
            session.commit()

    mount_subscriptions(
        app,
        [
            # one completion at a time, each a call to task-service: bulk would only add its
            # wait to "complete → next occurrence" (issue 4: p99 ≤ 100 ms)
            Subscribed(
                PUBSUB,
                Topic.TASK_EVENTS.value,
                "/events/task",
                on_task_event,
                bulk=False,
                event_types=frozenset({TaskCompleted.event_type}),
            ),
        ],
    )
    return app


def _reason(body: Any) -> str:
    """The message of task-service's 422 (`{"detail": [{"msg": ...}]}`), or the body itself."""
    if isinstance(body, dict) and isinstance(body.get("detail"), list) and body["detail"]:
        first = body["detail"][0]
        if isinstance(first, dict) and "msg" in first:
            return str(first["msg"])
    return str(body)[:300]
