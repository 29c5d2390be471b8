"""notification-service: turns ReminderTriggered into stored notifications and fans them out."""

from __future__ import annotations

from typing import Literal

from fastapi import FastAPI

from backend_services.contracts import AppId
from backend_services.kernel.principals import resolve_principal
from backend_services.notification_service import service
from backend_services.notification_service.handlers import handlers
from backend_services.notification_service.models import NotificationPublic
from backend_services.platform.app_support import PrincipalDep, SessionDep, build_service_app
from backend_services.platform.ids import NotificationId
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

    @app.get("/notifications", response_model=list[NotificationPublic], tags=["notifications"])
    def list_notifications(
        principal: PrincipalDep,
        session: SessionDep,
        undelivered: bool = False,
        unacked: bool = False,
    ) -> list[NotificationPublic]:
        return service.list_for_user(
            session, principal.user_id, undelivered=undelivered, unacked=unacked
        )

    @app.post(
        "/notifications/{notification_id}/{action}",
        response_model=NotificationPublic,
        tags=["notifications"],
        responses={404: {"description": "No such notification"}},
    )
    def mark(
        notification_id: NotificationId,
        action: Literal["ack", "delivered"],
        principal: PrincipalDep,
        session: SessionDep,
    ) -> NotificationPublic:
        what = "acked" if action == "ack" else "delivered"
        return service.mark(session, principal.user_id, notification_id, what=what)

    ctx.relay_outbox(service.SOURCE)
    return app
