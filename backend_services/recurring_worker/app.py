"""recurring-worker: when a recurring task is completed, asks task-service for its next
occurrence (`handlers.py`)."""

from __future__ import annotations

from fastapi import FastAPI

from backend_services.contracts import AppId
from backend_services.platform.app_support import build_service_app
from backend_services.platform.runtime import Runtime
from backend_services.platform.settings import Settings
from backend_services.platform.subscriptions import mount_subscriptions
from backend_services.recurring_worker.handlers import handlers


def create_app(settings: Settings, runtime: Runtime) -> FastAPI:
    app, ctx = build_service_app(
        settings,
        runtime,
        AppId.RECURRING.value,
        title="Recurring-task worker",
        description="Creates the next occurrence of a completed recurring task.",
    )
    mount_subscriptions(app, handlers.subscriptions(ctx))
    return app
