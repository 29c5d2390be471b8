"""Event contracts: the CloudEvent envelope, topic names and versioned payloads.

Publishers and consumers import these models; nothing else defines an event's shape.
Each payload class decides its own topic and CloudEvent type.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

PUBSUB = "pubsub"
BROADCAST_PUBSUB = "pubsub-broadcast"
STATESTORE = "statestore"
SECRETSTORE = "secretstore"
REMINDER_SWEEP_BINDING = "reminder-sweep"
# Input bindings: daprd POSTs /<name> on the app (runtime-only routes)
INPUT_BINDINGS = (REMINDER_SWEEP_BINDING,)


class Topic(StrEnum):
    TASK_EVENTS = "task-events"
    REMINDERS = "reminders"
    TASK_UPDATES = "task-updates"

    @property
    def dead_letter(self) -> str:
        return f"{self.value}-dlq"


class AppId(StrEnum):
    TASKS = "task-service"
    REMINDERS = "reminder-service"
    RECURRING = "recurring-worker"
    NOTIFICATIONS = "notification-service"
    AUDIT = "audit-service"
    CHAT_UI = "chat-ui"


# the one definition of a task's priority: events, the REST API and the agent's tools use it
Priority = Literal["none", "low", "medium", "high"]


class ReminderSnapshot(BaseModel):
    id: str
    at: datetime
    offset_minutes: int | None = None
    fired_at: datetime | None = None


class TaskSnapshot(BaseModel):
    """The task as it stood when the event was emitted."""

    id: str
    user_id: str
    title: str
    description: str | None = None
    status: Literal["pending", "completed"]
    priority: Priority
    tags: list[str] = Field(default_factory=list)
    due_at: datetime | None = None
    recurrence: str | None = None
    series_id: str | None = None
    # added in place (optional, with defaults): consumers of older events read the defaults
    repeat_from_completion: bool = False
    list_name: str = "Inbox"
    # issue 24: a date the task must be done by, and how long it takes (None in older events)
    deadline: date | None = None
    duration_minutes: int | None = None
    reminders: list[ReminderSnapshot] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None


class EventPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: ClassVar[Topic]
    event_type: ClassVar[str]
    pubsub: ClassVar[str] = PUBSUB
    user_id: str

    @property
    def partition_key(self) -> str:
        return self.user_id


class TaskCreated(EventPayload):
    topic = Topic.TASK_EVENTS
    event_type = "todo.task.created.v1"
    task: TaskSnapshot


class TaskUpdated(EventPayload):
    topic = Topic.TASK_EVENTS
    event_type = "todo.task.updated.v1"
    task: TaskSnapshot
    changed: list[str]


class TaskCompleted(EventPayload):
    topic = Topic.TASK_EVENTS
    event_type = "todo.task.completed.v1"
    task: TaskSnapshot


class TaskReopened(EventPayload):
    topic = Topic.TASK_EVENTS
    event_type = "todo.task.reopened.v1"
    task: TaskSnapshot


class TaskDeleted(EventPayload):
    topic = Topic.TASK_EVENTS
    event_type = "todo.task.deleted.v1"
    task: TaskSnapshot


class ReminderTriggered(EventPayload):
    topic = Topic.REMINDERS
    event_type = "todo.reminder.triggered.v1"
    reminder_id: str
    task_id: str
    title: str
    due_at: datetime | None = None
    remind_at: datetime
    fired_at: datetime


class UserDeleted(EventPayload):
    """An account is gone (task-service already removed its tasks and tokens): every service
    forgets what it holds for `user_id` up to `deleted_at` (notifications, chat history).
    On `task-events`, keyed by the user: it follows that user's TaskDeleted events."""

    topic = Topic.TASK_EVENTS
    event_type = "todo.user.deleted.v1"
    deleted_at: datetime


class NotificationCreated(EventPayload):
    """Fanned out to every chat-ui replica, each delivering to the sessions it holds."""

    topic = Topic.TASK_UPDATES
    event_type = "todo.notification.created.v1"
    pubsub = BROADCAST_PUBSUB
    notification_id: str
    task_id: str | None = None
    title: str
    body: str


EVENT_TYPES: dict[str, type[EventPayload]] = {
    cls.event_type: cls
    for cls in (
        TaskCreated,
        TaskUpdated,
        TaskCompleted,
        TaskReopened,
        TaskDeleted,
        UserDeleted,
        ReminderTriggered,
        NotificationCreated,
    )
}


class CloudEvent(BaseModel):
    """CloudEvents 1.0 structured envelope as carried on Kafka and delivered by Dapr."""

    model_config = ConfigDict(extra="allow")
    id: str
    source: str
    type: str
    specversion: str = "1.0"
    datacontenttype: str = "application/json"
    time: datetime | None = None
    subject: str | None = None
    topic: str | None = None
    pubsubname: str | None = None
    data: Any = None
    # W3C trace context (CloudEvents distributed-tracing extension) of the span that
    # published the event; `traceid` is Dapr's older name for the same value, and daprd
    # keeps an event's own context only when both are set
    traceparent: str | None = None
    tracestate: str | None = None
    traceid: str | None = None

    def with_trace(self, traceparent: str | None) -> CloudEvent:
        """A copy carrying `traceparent` (unchanged when None)."""
        if traceparent is None:
            return self
        return self.model_copy(update={"traceparent": traceparent, "traceid": traceparent})

    @classmethod
    def wrap(cls, payload: EventPayload, *, source: str, event_id: str | None = None) -> CloudEvent:
        return cls(
            id=event_id or str(uuid.uuid4()),
            source=source,
            type=payload.event_type,
            time=datetime.now(UTC),
            subject=payload.user_id,
            topic=payload.topic.value,
            pubsubname=payload.pubsub,
            data=payload.model_dump(mode="json"),
        )

    def payload(self) -> EventPayload:
        """Parse `data` into its contract; raises KeyError/ValidationError when malformed.

        Tolerant reader: fields this version does not know are ignored (a newer publisher
        may add some during a rolling upgrade); `extra="forbid"` guards what we publish."""
        contract = EVENT_TYPES[self.type]
        data = self.data
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k in contract.model_fields}
        return contract.model_validate(data)
