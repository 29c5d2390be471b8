"""recurring-worker: when a recurring task is completed, asks task-service for its next
occurrence. task-service makes that idempotent per series and occurrence."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from backend_services.contracts import PUBSUB, AppId, CloudEvent, EventPayload, TaskCompleted, Topic
from backend_services.platform.app_support import build_service_app
from backend_services.platform.db import session_scope
from backend_services.platform.idempotency import claim
from backend_services.platform.runtime import Runtime
from backend_services.platform.settings import Settings
from backend_services.platform.subscriptions import Subscribed, mount_subscriptions

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
        result = await ctx.runtime.invoke(
            AppId.TASKS.value,
            f"internal/tasks/{payload.task.id}/next-occurrence",
            http_method="POST",
            headers={"authorization": f"Bearer {ctx.service_token()}"},
        )
        if result.status_code == 404:
            log.info("task %s is gone; no next occurrence", payload.task.id)
        elif not result.ok:
            raise NextOccurrenceFailed(f"task-service answered {result.status_code}")
        with session_scope(ctx.engine) as session:
            claim(session, ctx.app_id, event.id)

    mount_subscriptions(
        app,
        [
            Subscribed(PUBSUB, Topic.TASK_EVENTS.value, "/events/task", on_task_event),
        ],
    )
    return app
