"""notification-service: turns ReminderTriggered into stored notifications and fans them out."""

from __future__ import annotations

from fastapi import FastAPI

from backend_services.contracts import AppId
from backend_services.kernel.principals import resolve_principal
from backend_services.notification_service import routes, service
from backend_services.notification_service.handlers import handlers
from backend_services.platform.app_support import build_service_app
from backend_services.platform.runtime import Runtime
from backend_services.platform.settings import Settings
from backend_services.platform.subscriptions import mount_subscriptions


def create_app(settings: Settings, runtime: Runtime) -> FastAPI:
    app, ctx = build_service_app(
        settings,
        runtime,
        AppId.NOTIFICATIONS.value,
        title="Notification service",
        description="Each user's reminder inbox.",
        principals=resolve_principal,
    )

    mount_subscriptions(app, handlers.subscriptions(ctx))

    app.include_router(routes.router)
    ctx.relay_outbox(service.SOURCE)
    return app
