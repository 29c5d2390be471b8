"""reminder-service: one Dapr job per reminder, a minute sweep, ReminderTriggered events."""

from __future__ import annotations

from fastapi import FastAPI

from backend_services.contracts import REMINDER_SWEEP_BINDING, AppId
from backend_services.kernel.principals import resolve_principal
from backend_services.platform.app_support import build_service_app
from backend_services.platform.runtime import Runtime
from backend_services.platform.settings import Settings
from backend_services.platform.subscriptions import mount_subscriptions
from backend_services.reminder_service import routes, service
from backend_services.reminder_service.handlers import handlers


def create_app(settings: Settings, runtime: Runtime) -> FastAPI:
    app, ctx = build_service_app(
        settings,
        runtime,
        AppId.REMINDERS.value,
        title="Reminder service",
        description="Schedules a Dapr job per reminder and fires each reminder once.",
        principals=resolve_principal,
    )
    mount_subscriptions(app, handlers.subscriptions(ctx))
    app.add_api_route(
        "/job/{name}", routes.job_triggered, methods=["POST"], include_in_schema=False
    )
    app.state.untraced_paths.add(f"/{REMINDER_SWEEP_BINDING}")  # a span only when it fires
    app.add_api_route(
        f"/{REMINDER_SWEEP_BINDING}", routes.sweep, methods=["POST"], include_in_schema=False
    )
    app.include_router(routes.router)
    ctx.relay_outbox(service.SOURCE)
    return app
