"""audit-service: an append-only log of every event, and the dead-letter inbox."""

from __future__ import annotations

from fastapi import FastAPI

from backend_services.audit_service import routes
from backend_services.audit_service.handlers import handlers
from backend_services.contracts import AppId
from backend_services.kernel.principals import resolve_principal
from backend_services.platform.app_support import build_service_app
from backend_services.platform.runtime import Runtime
from backend_services.platform.settings import Settings
from backend_services.platform.subscriptions import mount_subscriptions


def create_app(settings: Settings, runtime: Runtime) -> FastAPI:
    app, ctx = build_service_app(
        settings,
        runtime,
        AppId.AUDIT.value,
        title="Audit service",
        description="Append-only log of every event; dead-lettered messages.",
        principals=resolve_principal,
    )

    mount_subscriptions(app, handlers.subscriptions(ctx))

    app.include_router(routes.router)
    return app
