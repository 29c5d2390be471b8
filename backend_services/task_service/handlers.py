"""task-service's event handlers, each declaring the topic it consumes."""

from __future__ import annotations

from backend_services.contracts import (
    PUBSUB,
    AppId,
    CloudEvent,
    EventPayload,
    ReminderTriggered,
    Topic,
)
from backend_services.platform.app_support import AppContext
from backend_services.platform.db import new_session
from backend_services.platform.event_handlers import EventHandlers
from backend_services.platform.subscriptions import PermanentFailure
from backend_services.task_service.tasks import service

handlers = EventHandlers(AppId.TASKS)


@handlers.batch(
    PUBSUB,
    Topic.REMINDERS,
    "/events/reminder-fired",
    acts_on=(ReminderTriggered,),
    note="marks the task's reminder fired",
)
def on_reminders_fired(ctx: AppContext, events: list[tuple[CloudEvent, EventPayload]]) -> None:
    fired = []
    for event, payload in events:
        if not isinstance(payload, ReminderTriggered):
            raise PermanentFailure(f"{event.type} is not a ReminderTriggered")
        fired.append((payload.reminder_id, payload.fired_at))
    with new_session(ctx.engine) as session:
        service.mark_reminders_fired(session, fired)
