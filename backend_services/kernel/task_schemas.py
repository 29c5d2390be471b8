"""Request and response models of the task API (also the source of the agent's tool schemas)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from backend_services.contracts import Priority
from backend_services.kernel.rrule import validate_rrule
from backend_services.platform.inputs import (
    BoundedDatetime,
    FoldedText,
    SafeMultilineText,
    SafeText,
)

Status = Literal["pending", "completed"]
SortKey = Literal[
    "due",
    "-due",
    "deadline",
    "-deadline",
    "priority",
    "-priority",
    "created",
    "-created",
    "title",
    "-title",
]

MAX_TAGS = 20
MAX_REMINDERS = 10
DEFAULT_LIST = "Inbox"
MAX_LIST_NAME = 100
MAX_DURATION_MINUTES = 24 * 60
EARLIEST_DEADLINE = date(1900, 1, 1)
LATEST_DEADLINE = date(8999, 12, 31)


def check_deadline(value: date) -> date:
    if not EARLIEST_DEADLINE <= value <= LATEST_DEADLINE:
        raise ValueError(f"must lie between {EARLIEST_DEADLINE} and {LATEST_DEADLINE}")
    return value


BoundedDate = Annotated[date, AfterValidator(check_deadline)]
"""A calendar date (YYYY-MM-DD, no time) between EARLIEST_DEADLINE and LATEST_DEADLINE."""
DEADLINE = (
    "the date the task must be done by (YYYY-MM-DD, no time; it never repeats), apart from "
    "due_at, when you plan to do it"
)
DURATION = f"how long the task takes, in minutes (1 to {MAX_DURATION_MINUTES})"


def normalise_list_name(value: str) -> str:
    """A list's name as stored: single spaces, no leading '#' or '@'; the case is kept
    (lists are matched case-insensitively)."""
    name = " ".join(value.split()).lstrip("#@").strip()
    if not name:
        raise ValueError("list name must not be blank")
    if len(name) > MAX_LIST_NAME:
        raise ValueError(f"list name: at most {MAX_LIST_NAME} characters")
    return name


def normalise_tags(tags: list[str]) -> list[str]:
    seen: list[str] = []
    for raw in tags:
        tag = raw.strip().lstrip("#").strip().lower()
        if not tag:
            continue
        if len(tag) > 50 or any(ch.isspace() for ch in tag):
            raise ValueError(f"tag {raw!r}: one word of at most 50 characters")
        if tag not in seen:
            seen.append(tag)
    if len(seen) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags per task")
    return seen


class ReminderIn(BaseModel):
    """Either an absolute time or minutes before the task is due."""

    at: BoundedDatetime | None = None
    before_minutes: int | None = Field(default=None, ge=0, le=60 * 24 * 60)

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.at is None) == (self.before_minutes is None):
            raise ValueError("give exactly one of 'at' or 'before_minutes'")
        return self


class ReminderPublic(BaseModel):
    id: str
    at: datetime
    offset_minutes: int | None
    fired_at: datetime | None


class TaskFields(BaseModel):
    @field_validator("title", check_fields=False)
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        if value is None:
            return value
        value = " ".join(value.split())
        if not value:
            raise ValueError("title must not be blank")
        return value

    @field_validator("tags", check_fields=False)
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else normalise_tags(value)

    @field_validator("recurrence", check_fields=False)
    @classmethod
    def _rrule(cls, value: str | None) -> str | None:
        return None if value in (None, "") else validate_rrule(value or "")

    @field_validator("list_name", check_fields=False)
    @classmethod
    def _list_name(cls, value: str | None) -> str | None:
        return None if value is None else normalise_list_name(value)


REPEAT_FROM_COMPLETION = (
    'count the next occurrence from when the task is completed ("every 3 days after I finish") '
    "instead of from its due time"
)
LIST_NAME = "the list (project) the task belongs to; Inbox when not given"


class TaskCreate(TaskFields):
    title: FoldedText = Field(min_length=1, max_length=500)
    description: SafeMultilineText | None = Field(default=None, max_length=5000)
    priority: Priority = "none"
    tags: list[SafeText] = Field(default_factory=list, max_length=MAX_TAGS)
    due_at: BoundedDatetime | None = None
    recurrence: SafeText | None = Field(
        default=None, max_length=500, description="RFC 5545 RRULE; the first occurrence is due_at"
    )
    repeat_from_completion: bool = Field(default=False, description=REPEAT_FROM_COMPLETION)
    list_name: SafeText = Field(default=DEFAULT_LIST, description=LIST_NAME)
    deadline: BoundedDate | None = Field(default=None, description=DEADLINE)
    duration_minutes: int | None = Field(
        default=None, ge=1, le=MAX_DURATION_MINUTES, description=DURATION
    )
    reminders: list[ReminderIn] = Field(default_factory=list, max_length=MAX_REMINDERS)

    @model_validator(mode="after")
    def _needs_due(self) -> Self:
        if self.recurrence and self.due_at is None:
            raise ValueError("recurrence needs due_at (its first occurrence)")
        check_repeat_from_completion(self.recurrence, self.repeat_from_completion)
        if any(r.before_minutes is not None for r in self.reminders) and self.due_at is None:
            raise ValueError("a reminder relative to the due time needs due_at")
        return self


class TaskUpdate(TaskFields):
    title: FoldedText | None = Field(default=None, min_length=1, max_length=500)
    description: SafeMultilineText | None = Field(default=None, max_length=5000)
    priority: Priority | None = None
    tags: list[SafeText] | None = Field(default=None, max_length=MAX_TAGS)
    due_at: BoundedDatetime | None = None
    recurrence: SafeText | None = Field(default=None, max_length=500)
    repeat_from_completion: bool | None = Field(default=None, description=REPEAT_FROM_COMPLETION)
    list_name: SafeText | None = Field(default=None, description=LIST_NAME)
    deadline: BoundedDate | None = Field(default=None, description=DEADLINE + "; null clears it")
    duration_minutes: int | None = Field(
        default=None, ge=1, le=MAX_DURATION_MINUTES, description=DURATION + "; null clears it"
    )


class TaskPublic(BaseModel):
    id: str
    user_id: str
    title: str
    description: str | None
    status: Status
    priority: Priority
    tags: list[str]
    due_at: datetime | None
    recurrence: str | None
    series_id: str | None
    repeat_from_completion: bool
    list_name: str
    deadline: date | None = None
    duration_minutes: int | None = None
    reminders: list[ReminderPublic]
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None


class CompletedTask(TaskPublic):
    """The answer to a completion: the task, and whether that was the last of its series."""

    series_ended: bool = Field(
        default=False,
        description="a repeating task whose series ends with this completion: no next "
        "occurrence follows (its COUNT or UNTIL, or the next date would lie past 8999)",
    )


class TaskQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    q: SafeText | None = Field(
        default=None, max_length=200, description="text in title/description"
    )
    status: Status | None = None
    priority: Priority | None = None
    tag: SafeText | None = Field(default=None, max_length=50)
    list_name: SafeText | None = Field(
        default=None,
        alias="list",
        max_length=MAX_LIST_NAME,
        description="only the tasks of this list (case-insensitive)",
    )
    due_before: BoundedDatetime | None = None
    due_after: BoundedDatetime | None = None
    overdue: bool | None = None
    deadline_before: BoundedDate | None = Field(
        default=None, description="only tasks whose deadline is on or before this date"
    )
    deadline_after: BoundedDate | None = Field(
        default=None, description="only tasks whose deadline is on or after this date"
    )
    has_deadline: bool | None = Field(default=None, description="tasks with (or without) one")
    sort: SortKey = "created"
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class ListSummary(BaseModel):
    name: str
    pending: int
    total: int


def check_repeat_from_completion(recurrence: str | None, from_completion: bool | None) -> None:
    """Counting from the completion moves the series with every completion, so a COUNT
    (which numbers the instances from a fixed start) cannot be honoured: refused up front."""
    if from_completion and recurrence and "COUNT=" in recurrence.upper():
        raise ValueError(
            "a recurrence counted from completion cannot have COUNT; use UNTIL (an end date)"
        )


class TaskPage(BaseModel):
    items: list[TaskPublic]
    total: int
    limit: int
    offset: int
