"""Structured intents produced by the offline (rule-based) message parser."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from backend_services.contracts import Priority

ListStatus = Literal["pending", "completed", "all"]
DueFilter = Literal["today", "tomorrow", "overdue", "week", "next_week", "no_date"]
BulkVerb = Literal["complete", "delete", "reopen"]


class _IntentBase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # which parser rule produced it ("edit.complete"): shown on the tool step, not compared
    rule: str = Field(default="", exclude=True)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _IntentBase) or type(other) is not type(self):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]


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
    deadline: date | None = None
    duration_minutes: int | None = None


class ListTasks(_IntentBase):
    kind: Literal["list"] = "list"
    status: ListStatus | None = None
    search: str | None = None
    tag: str | None = None
    priority: Priority | None = None
    due: DueFilter | None = None
    list_name: str | None = None
    # "my work tasks": the user's list of that name when there is one, else the tag
    category: str | None = None


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
    deadline: date | None = None
    duration_minutes: int | None = None
    clear: list[Literal["deadline", "duration"]] = Field(default_factory=list)
    # "move it to 4pm" keeps the task's date, "push it to Thursday" its time of day
    # (a hint for the runner, like ``rule`` not part of equality)
    keep: Literal["date", "time"] | None = Field(default=None, exclude=True)


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


class TaskFilter(_IntentBase):
    """Which tasks a bulk action means; ``listed`` is "all of them" (the last list shown)."""

    status: ListStatus | None = None
    tag: str | None = None
    due: DueFilter | None = None
    list_name: str | None = None
    priority: Priority | None = None
    search: str | None = None
    listed: bool = False
    category: str | None = None  # a list of that name if the user has one, else a tag


class BulkAction(_IntentBase):
    """ "delete all completed", "complete everything overdue": asks for a yes first."""

    kind: Literal["bulk"] = "bulk"
    action: BulkVerb
    filter: TaskFilter
    # "delete packing list": the words as a task's title, used when the user has no list of
    # that name but a task so titled (then it is that one task's delete)
    as_title: str | None = None


class Undo(_IntentBase):
    kind: Literal["undo"] = "undo"


class Snooze(_IntentBase):
    """ "snooze call mom by an hour": move its due time (and reminders) later."""

    kind: Literal["snooze"] = "snooze"
    ref: str
    minutes: int


class SmallTalk(_IntentBase):
    """ "thanks!", "hi", "lol", an emoji: a short friendly answer, no tool."""

    kind: Literal["small_talk"] = "small_talk"
    reply: str


class OtherLanguage(_IntentBase):
    kind: Literal["other_language"] = "other_language"
    language: str


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
    | BulkAction
    | Undo
    | Snooze
    | SmallTalk
    | OtherLanguage
    | Confirm
    | SetTimezone
    | Help
    | Unknown,
    Field(discriminator="kind"),
]

IntentAdapter: TypeAdapter[Intent] = TypeAdapter(Intent)
