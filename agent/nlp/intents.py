"""Structured intents produced by the offline (rule-based) message parser."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from backend_services.contracts import Priority

ListStatus = Literal["pending", "completed", "all"]
DueFilter = Literal["today", "tomorrow", "overdue", "week"]


class _IntentBase(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddTask(_IntentBase):
    kind: Literal["add"] = "add"
    title: str
    description: str | None = None
    due_at: datetime | None = None
    priority: Priority | None = None
    tags: list[str] = Field(default_factory=list)
    recurrence: str | None = None
    repeat_from_completion: bool = False
    list_name: str | None = None
    # the last words were "to/in/on <name>": that list if the user has one, else title words
    list_hint: str | None = None
    reminder_at: datetime | None = None
    reminder_before_minutes: int | None = None


class ListTasks(_IntentBase):
    kind: Literal["list"] = "list"
    status: ListStatus | None = None
    search: str | None = None
    tag: str | None = None
    priority: Priority | None = None
    due: DueFilter | None = None
    list_name: str | None = None


class CompleteTask(_IntentBase):
    kind: Literal["complete"] = "complete"
    ref: str


class ReopenTask(_IntentBase):
    kind: Literal["reopen"] = "reopen"
    ref: str


class DeleteTask(_IntentBase):
    kind: Literal["delete"] = "delete"
    ref: str


class UpdateTask(_IntentBase):
    kind: Literal["update"] = "update"
    ref: str
    new_title: str | None = None
    due_at: datetime | None = None
    priority: Priority | None = None
    add_tags: list[str] = Field(default_factory=list)
    description: str | None = None
    list_name: str | None = None


class AddReminder(_IntentBase):
    kind: Literal["add_reminder"] = "add_reminder"
    ref: str
    at: datetime | None = None
    before_minutes: int | None = None


class RemoveReminder(_IntentBase):
    kind: Literal["remove_reminder"] = "remove_reminder"
    ref: str


class SetRecurrence(_IntentBase):
    kind: Literal["set_recurrence"] = "set_recurrence"
    ref: str
    recurrence: str
    repeat_from_completion: bool = False


class AddTasks(_IntentBase):
    """Several tasks in one message ("add milk and eggs", "buy bread; call mom tomorrow")."""

    kind: Literal["add_many"] = "add_many"
    tasks: list[AddTask]


class Confirm(_IntentBase):
    kind: Literal["confirm"] = "confirm"
    yes: bool


class SetTimezone(_IntentBase):
    kind: Literal["set_timezone"] = "set_timezone"
    tz: str


class Help(_IntentBase):
    kind: Literal["help"] = "help"


class Unknown(_IntentBase):
    kind: Literal["unknown"] = "unknown"
    text: str


Intent = Annotated[
    AddTask
    | AddTasks
    | ListTasks
    | CompleteTask
    | ReopenTask
    | DeleteTask
    | UpdateTask
    | AddReminder
    | RemoveReminder
    | SetRecurrence
    | Confirm
    | SetTimezone
    | Help
    | Unknown,
    Field(discriminator="kind"),
]

IntentAdapter: TypeAdapter[Intent] = TypeAdapter(Intent)
