"""Tool argument models: the single source of the tools' JSON schemas.

Text arguments use the same boundary types as the REST API: no control characters and no
unpaired surrogates (a refusal is reported back to the model as invalid arguments)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from backend_services.contracts import Priority
from backend_services.kernel.rrule import validate_rrule
from backend_services.kernel.task_schemas import (
    DEADLINE,
    DURATION,
    LIST_NAME,
    MAX_DURATION_MINUTES,
    REPEAT_FROM_COMPLETION,
)
from backend_services.platform.ids import ReminderId
from backend_services.platform.inputs import FoldedText, SafeMultilineText, SafeText

WHEN = "ISO 8601 local date-time, e.g. 2027-01-15T10:30 (the user's time zone is assumed)"
TASK_REF = (
    "the task's id, or words of its title as the user said them; references to this "
    "conversation work too: 'it', 'the second one' (of the last list), 'the dentist one'"
)
RRULE = (
    "RFC 5545 RRULE; due_at is the first occurrence. Examples: every weekday "
    "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR; every other Tuesday FREQ=WEEKLY;INTERVAL=2;BYDAY=TU; "
    "every 3rd Friday FREQ=MONTHLY;BYDAY=3FR; every last day FREQ=MONTHLY;BYMONTHDAY=-1; "
    "every 12 hours FREQ=HOURLY;INTERVAL=12; until a date UNTIL=20270301T235959Z; "
    "for 5 times COUNT=5"
)


DEADLINE_ARG = (
    f"{DEADLINE}. 'by Friday', 'due by the 9th', 'deadline Friday' set this (a date, "
    "YYYY-MM-DD); 'on Friday' sets due_at instead"
)
DURATION_ARG = f"{DURATION}: 'for 30 minutes', 'takes 2 hours', '1h'"


def checked_rrule(value: str | None) -> str | None:
    """The task API's own RRULE check, so a refused rule comes back to the model with its
    reason before anything is sent; empty stays empty (no recurrence)."""
    return validate_rrule(value) if value else value


class AddTask(BaseModel):
    """Create a task for the user."""

    title: FoldedText = Field(description="short imperative title without dates, tags or priority")
    description: SafeMultilineText | None = Field(default=None, description="optional details")
    due_at: SafeText | None = Field(default=None, description=f"when it is due: {WHEN}")
    priority: Priority | None = Field(default=None)
    tags: list[SafeText] = Field(default_factory=list, description="lower-case words without '#'")
    recurrence: SafeText | None = Field(default=None, description=RRULE)
    repeat_from_completion: bool = Field(default=False, description=REPEAT_FROM_COMPLETION)
    list_name: SafeText | None = Field(default=None, description=LIST_NAME)
    deadline: SafeText | None = Field(default=None, description=DEADLINE_ARG)
    duration_minutes: int | None = Field(
        default=None, ge=1, le=MAX_DURATION_MINUTES, description=DURATION_ARG
    )
    remind_at: SafeText | None = Field(default=None, description=f"a reminder time: {WHEN}")
    remind_before_minutes: int | None = Field(
        default=None, description="a reminder this many minutes before due_at"
    )
    allow_duplicate: bool = Field(
        default=False,
        description="true only after the user said yes to adding a task with the same title "
        "and due date as one they already have open",
    )

    @field_validator("recurrence")
    @classmethod
    def _recurrence(cls, value: str | None) -> str | None:
        return checked_rrule(value)


DueWindow = Literal["today", "tomorrow", "week", "next_week", "overdue", "no_date"]
DUE_WINDOW = (
    "only tasks due today, tomorrow, in the next 7 days (week), next Monday to Sunday "
    "(next_week), overdue, or without a due date (no_date), in the user's time zone"
)


class ListTasks(BaseModel):
    """List or search the user's tasks. Without a status only open (pending) tasks are shown;
    pass status 'completed' or 'all' only when the user asks for finished tasks."""

    status: Literal["pending", "completed", "all"] | None = Field(default=None)
    search: SafeText | None = Field(default=None, description="words in title or description")
    tag: SafeText | None = None
    priority: Priority | None = None
    overdue: bool | None = None
    list_name: SafeText | None = Field(default=None, description="only this list's tasks")
    due: DueWindow | None = Field(default=None, description=DUE_WINDOW)


class UpdateTask(BaseModel):
    """Change a task's title, description, due time, deadline, duration, priority, tags or
    list (move it), or clear its deadline or duration."""

    task: SafeText = Field(description=TASK_REF)
    title: FoldedText | None = None
    description: SafeMultilineText | None = None
    due_at: SafeText | None = Field(default=None, description=f"new due time: {WHEN}")
    priority: Priority | None = None
    tags: list[SafeText] | None = Field(default=None, description="the full new list of tags")
    add_tags: list[SafeText] = Field(default_factory=list, description="tags to add to the current")
    list_name: SafeText | None = Field(default=None, description="move the task to this list")
    deadline: SafeText | None = Field(default=None, description=DEADLINE_ARG)
    duration_minutes: int | None = Field(
        default=None, ge=1, le=MAX_DURATION_MINUTES, description=DURATION_ARG
    )
    clear: list[Literal["deadline", "duration"]] = Field(
        default_factory=list,
        description="remove these from the task ('no deadline', 'remove the duration')",
    )
    keep_date: bool | None = Field(
        default=None, description="due_at gives only a new time of day; keep the task's date"
    )
    keep_time: bool | None = Field(
        default=None, description="due_at gives only a new day; keep the task's time of day"
    )


class TaskRef(BaseModel):
    task: SafeText = Field(description=TASK_REF)


class CompleteTask(TaskRef):
    """Mark a task as done."""


class ReopenTask(TaskRef):
    """Mark a completed task as pending again."""


class DeleteTask(TaskRef):
    """Delete a task. The first call asks the user to confirm; call again with confirmed=true
    only after the user said yes."""

    confirmed: bool = Field(default=False)


class AddReminder(TaskRef):
    """Add a reminder to a task: at a time, or some minutes before it is due."""

    at: SafeText | None = Field(default=None, description=f"reminder time: {WHEN}")
    before_minutes: int | None = Field(default=None, description="minutes before due time")


class RemoveReminder(TaskRef):
    """Remove a task's reminders (one by id, or all of them)."""

    reminder_id: ReminderId | None = Field(
        default=None, description="one reminder's id (from the task's reminders); omit for all"
    )


class SetRecurrence(TaskRef):
    """Make a task repeat (or stop repeating with an empty rule)."""

    rrule: SafeText = Field(description=f"{RRULE}; or '' to stop repeating")
    repeat_from_completion: bool = Field(default=False, description=REPEAT_FROM_COMPLETION)
    first_due_at: SafeText | None = Field(default=None, description=f"first occurrence: {WHEN}")

    @field_validator("rrule")
    @classmethod
    def _rrule(cls, value: str) -> str:
        return checked_rrule(value) or ""


class SetTimezone(BaseModel):
    """Change the user's time zone."""

    timezone: SafeText = Field(description="IANA name such as Europe/Berlin")


class AddTasks(BaseModel):
    """Create several tasks at once (a message that lists several things to do); one reply
    lists them all."""

    tasks: list[AddTask] = Field(min_length=1, max_length=50)


class TaskFilterArgs(BaseModel):
    status: Literal["pending", "completed", "all"] | None = Field(
        default=None, description="pending by default; completed for 'all completed'"
    )
    tag: SafeText | None = None
    due: DueWindow | None = Field(default=None, description=DUE_WINDOW)
    list_name: SafeText | None = None
    priority: Priority | None = None
    search: SafeText | None = Field(default=None, description="words in the title")
    listed: bool = Field(
        default=False, description="the tasks of the last list shown ('all of them')"
    )


class BulkTasks(BaseModel):
    """Complete, reopen or delete every task that matches a filter ("delete all completed",
    "complete everything overdue", "mark all of them done"). The first call lists what
    matches and asks the user; call again with confirmed=true only after the user said yes."""

    action: Literal["complete", "delete", "reopen"]
    filter: TaskFilterArgs = Field(default_factory=TaskFilterArgs)
    confirmed: bool = Field(default=False)


class Undo(BaseModel):
    """Revert the last change made in this conversation (a create, completion, deletion,
    update or bulk action)."""


class SnoozeTask(TaskRef):
    """Push a task (its due time and reminders) later by some minutes ("snooze X by an
    hour")."""

    minutes: int = Field(ge=1, le=60 * 24 * 366, description="how many minutes later")
