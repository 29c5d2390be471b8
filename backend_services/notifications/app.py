"""notification-service: turns ReminderTriggered into stored notifications and fans them out."""

from __future__ import annotations

from typing import Literal

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from backend_services.contracts import (
    PUBSUB,
    AppId,
    CloudEvent,
    EventPayload,
    ReminderTriggered,
    Topic,
    UserDeleted,
)
from backend_services.notifications import service
from backend_services.notifications.models import NotificationPublic
from backend_services.platform.app_support import PrincipalDep, SessionDep, build_service_app
from backend_services.platform.db import new_session
from backend_services.platform.ids import NotificationId
from backend_services.platform.runtime import Runtime
from backend_services.platform.settings import Settings
from backend_services.platform.subscriptions import (
    PermanentFailure,
    Subscribed,
    mount_subscriptions,
)
from backend_services.users.principals import resolve_principal


def create_app(settings: Settings, runtime: Runtime) -> FastAPI:
    app, ctx = build_service_app(
        settings,
        runtime,
        AppId.NOTIFICATIONS.value,
        title="Notification service",
        description="Each user's reminder inbox.",
        principals=resolve_principal,
    )

    async def on_reminders(events: list[tuple[CloudEvent, EventPayload]]) -> None:
        fired = []
        for event, payload in events:
            if not isinstance(payload, ReminderTriggered):
                raise PermanentFailure(f"{event.type} is not a ReminderTriggered")
            fired.append((event.id, payload))
        user_ids = {payload.user_id for _, payload in fired}
        zones = await service.zones_for(ctx.runtime, ctx.service_token(), user_ids)

        def record() -> None:
            with new_session(ctx.engine) as session:
                service.record_reminders(session, ctx.app_id, fired, zones)

        await run_in_threadpool(record)

    def on_task_event(_event: CloudEvent, payload: EventPayload) -> None:
        if isinstance(payload, UserDeleted):  # the other task events are not ours
            with new_session(ctx.engine) as session:
                service.forget_user(session, payload.user_id, payload.deleted_at)

    mount_subscriptions(
        app,
        [
            Subscribed(
                PUBSUB, Topic.REMINDERS.value, "/events/reminder", batch_handler=on_reminders
            ),
            Subscribed(
                PUBSUB,
                Topic.TASK_EVENTS.value,
                "/events/task",
                on_task_event,
                event_types=frozenset({UserDeleted.event_type}),
            ),
        ],
    )

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
