"""audit-service's event handlers, each declaring the topic it consumes: every event of
every topic goes to the log, every dead-lettered message to the dead-letter inbox."""

from __future__ import annotations

import logging
from typing import Any

from backend_services.audit_service import service
from backend_services.contracts import (
    BROADCAST_PUBSUB,
    PUBSUB,
    AppId,
    CloudEvent,
    EventPayload,
    Topic,
)
from backend_services.platform.app_support import AppContext
from backend_services.platform.db import new_session
from backend_services.platform.event_handlers import EventHandlers

log = logging.getLogger("todo.audit")

handlers = EventHandlers(AppId.AUDIT)

Events = list[tuple[CloudEvent, EventPayload]]


def _record(ctx: AppContext, topic: Topic, events: Events) -> None:
    with new_session(ctx.engine) as session:
        service.record_many(session, topic.value, [(e, p.user_id) for e, p in events])


@handlers.batch(PUBSUB, Topic.TASK_EVENTS, "/events/task")
def on_task_events(ctx: AppContext, events: Events) -> None:
    _record(ctx, Topic.TASK_EVENTS, events)


@handlers.batch(PUBSUB, Topic.REMINDERS, "/events/reminder")
def on_reminders(ctx: AppContext, events: Events) -> None:
    _record(ctx, Topic.REMINDERS, events)


@handlers.batch(BROADCAST_PUBSUB, Topic.TASK_UPDATES, "/events/update")
def on_task_updates(ctx: AppContext, events: Events) -> None:
    _record(ctx, Topic.TASK_UPDATES, events)


@handlers.dead_letters(
    BROADCAST_PUBSUB,
    Topic.TASK_UPDATES.dead_letter,
    f"/events/dead-letters/{Topic.TASK_UPDATES.value}",
)
@handlers.dead_letters(
    PUBSUB, Topic.REMINDERS.dead_letter, f"/events/dead-letters/{Topic.REMINDERS.value}"
)
@handlers.dead_letters(
    PUBSUB, Topic.TASK_EVENTS.dead_letter, f"/events/dead-letters/{Topic.TASK_EVENTS.value}"
)
def on_dead_letter(ctx: AppContext, topic: str, body: dict[str, Any]) -> None:
    with new_session(ctx.engine) as session:
        service.keep_dead_letter(session, topic, body)
    log.warning("dead letter on %s: event %s", topic, body.get("id"))
