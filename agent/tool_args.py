"""Tool argument models: the single source of the tools' JSON schemas."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Priority = Literal["none", "low", "medium", "high"]
WHEN = "ISO 8601 local date-time, e.g. 2027-01-15T10:30 (the user's time zone is assumed)"
TASK_REF = "the task's id, or words of its title as the user said them"


class AddTask(BaseModel):
    """Create a task for the user."""

    title: str = Field(description="short imperative title without dates, tags or priority")
    description: str | None = Field(default=None, description="optional details")
    due_at: str | None = Field(default=None, description=f"when it is due: {WHEN}")
    priority: Priority | None = Field(default=None)
    tags: list[str] = Field(default_factory=list, description="lower-case words without '#'")
    recurrence: str | None = Field(
        default=None,
        description="RFC 5545 RRULE like FREQ=WEEKLY;BYDAY=MO; due_at is the first occurrence",
    )
    remind_at: str | None = Field(default=None, description=f"a reminder time: {WHEN}")
    remind_before_minutes: int | None = Field(
        default=None, description="a reminder this many minutes before due_at"
    )


class ListTasks(BaseModel):
    """List or search the user's tasks."""

    status: Literal["pending", "completed", "all"] | None = Field(default=None)
    search: str | None = Field(default=None, description="words in title or description")
    tag: str | None = None
    priority: Priority | None = None
    overdue: bool | None = None


class UpdateTask(BaseModel):
    """Change a task's title, description, due time, priority or tags."""

    task: str = Field(description=TASK_REF)
    title: str | None = None
    description: str | None = None
    due_at: str | None = Field(default=None, description=f"new due time: {WHEN}")
    priority: Priority | None = None
    tags: list[str] | None = Field(default=None, description="the full new list of tags")
    add_tags: list[str] = Field(default_factory=list, description="tags to add to the current")


class TaskRef(BaseModel):
    task: str = Field(description=TASK_REF)


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

    at: str | None = Field(default=None, description=f"reminder time: {WHEN}")
    before_minutes: int | None = Field(default=None, description="minutes before due time")


class RemoveReminder(TaskRef):
    """Remove a task's reminders (one by id, or all of them)."""

    reminder_id: str | None = None


class SetRecurrence(TaskRef):
    """Make a task repeat (or stop repeating with an empty rule)."""

    rrule: str = Field(description="RFC 5545 RRULE such as FREQ=DAILY, or '' to stop")
    first_due_at: str | None = Field(default=None, description=f"first occurrence: {WHEN}")


class SetTimezone(BaseModel):
    """Change the user's time zone."""

    timezone: str = Field(description="IANA name such as Europe/Berlin")
