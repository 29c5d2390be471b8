"""chat-ui's event handlers, each declaring the topic it consumes. The UI modules they call
import Chainlit: imported on first event, so that building the app stays light."""

from __future__ import annotations

from typing import Any

from fastapi.concurrency import run_in_threadpool

from backend_services.contracts import (
    BROADCAST_PUBSUB,
    PUBSUB,
    AppId,
    CloudEvent,
    EventPayload,
    NotificationCreated,
    Topic,
    UserDeleted,
)
from backend_services.platform.app_support import AppContext
from backend_services.platform.event_handlers import EventHandlers

handlers = EventHandlers(AppId.CHAT_UI)


@handlers.event(
    BROADCAST_PUBSUB,
    Topic.TASK_UPDATES,
    "/events/notification",
    acts_on=(NotificationCreated,),
    note="every replica: live delivery and the panel's bell",
)
async def on_notification(_ctx: AppContext, _event: CloudEvent, payload: EventPayload) -> None:
    from chat_ui.delivery import deliver_live
    from chat_ui.panel import push

    assert isinstance(payload, NotificationCreated)
    await push(payload.user_id)  # the panel's reminder card and ringing bell
    await deliver_live(
        payload.user_id,
        {
            "id": payload.notification_id,
            "task_id": payload.task_id,
            "title": payload.title,
            "body": payload.body,
        },
    )


# every task change, on the broadcast component so that every replica hears it and refreshes
# the task panels of the sessions it holds; a missed refresh is not worth a dead letter (the
# next change or a reload shows the truth)
def has_open_session(_ctx: AppContext, event: dict[str, Any]) -> bool:
    """Whether this process holds a session of the event's user (else the task panel has no
    one to refresh: the change is acknowledged without a delivery)."""
    from chat_ui.context import current

    data = event.get("data")
    user_id = data.get("user_id") if isinstance(data, dict) else None
    return not isinstance(user_id, str) or bool(current().sessions.of(user_id))


@handlers.event(
    BROADCAST_PUBSUB,
    Topic.TASK_EVENTS,
    "/events/task-change",
    dead_letter=False,
    note="every replica: task panel refresh, for users with a session open here",
    accepts=has_open_session,
)
async def on_task_change(_ctx: AppContext, _event: CloudEvent, payload: EventPayload) -> None:
    from chat_ui.panel import push

    await push(payload.user_id)


# and once per app (a consumer group, dead-lettered): forgetting a deleted account's chat
# history must not depend on a replica running at that moment
@handlers.event(
    PUBSUB,
    Topic.TASK_EVENTS,
    "/events/user-deleted",
    acts_on=(UserDeleted,),
    note="deletes the chat history, once per app",
)
async def on_user_deleted(ctx: AppContext, _event: CloudEvent, payload: EventPayload) -> None:
    if isinstance(payload, UserDeleted):  # the task events are the panel's (above)
        from chat_ui.history import forget_user

        await run_in_threadpool(forget_user, ctx.engine, payload.user_id)
