"""notification-service's event handlers, each declaring the topic it consumes."""

from __future__ import annotations

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
from backend_services.notification_service import service
from backend_services.platform.app_support import AppContext
from backend_services.platform.db import new_session
from backend_services.platform.event_handlers import EventHandlers
from backend_services.platform.subscriptions import PermanentFailure

handlers = EventHandlers(AppId.NOTIFICATIONS)


@handlers.batch(PUBSUB, Topic.REMINDERS, "/events/reminder", acts_on=(ReminderTriggered,))
async def on_reminders(ctx: AppContext, events: list[tuple[CloudEvent, EventPayload]]) -> None:
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


@handlers.event(PUBSUB, Topic.TASK_EVENTS, "/events/task", acts_on=(UserDeleted,))
def on_task_event(ctx: AppContext, _event: CloudEvent, payload: EventPayload) -> None:
    if isinstance(payload, UserDeleted):  # the other task events are not ours
        with new_session(ctx.engine) as session:
            service.forget_user(session, payload.user_id, payload.deleted_at)
