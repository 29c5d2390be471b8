"""What a tool changed, remembered so that "undo" can revert it, and the revert itself.

Every tool that changes tasks records one :class:`UndoStep` in the conversation (a bulk action
one step for all its tasks); "undo" reverts the newest step: a created task is deleted, a
completed one reopened (and the other way round), a deleted one created again with its
reminders, repeat and status, an updated one given back its previous fields."""

from __future__ import annotations

from typing import Any

from agent.memory import Change, Conversation, UndoStep
from agent.task_client import TaskClient, ToolError

# the fields an update can change and an undo gives back
FIELDS = (
    "title",
    "description",
    "priority",
    "tags",
    "due_at",
    "recurrence",
    "repeat_from_completion",
    "list_name",
    "deadline",
    "duration_minutes",
)


def snapshot(task: dict[str, Any]) -> dict[str, Any]:
    keep = {k: task.get(k) for k in FIELDS}
    keep["status"] = task.get("status")
    keep["reminders"] = [
        {"at": r.get("at"), "offset_minutes": r.get("offset_minutes")}
        for r in task.get("reminders", [])
        if not r.get("fired_at")
    ]
    return keep


def record(convo: Conversation, label: str, changes: list[Change]) -> None:
    convo.remember(UndoStep(label=label, changes=changes))


async def revert(client: TaskClient, step: UndoStep) -> list[str]:
    """Revert one step (its changes newest first); the titles it touched."""
    titles: list[str] = []
    for change in reversed(step.changes):
        title = await _revert_one(client, change)
        if title:
            titles.append(title)
    return titles


async def _revert_one(client: TaskClient, change: Change) -> str | None:
    before = change.before or {}
    try:
        if change.kind == "created":
            task = await client.get(change.task_id)
            await client.delete(change.task_id)
            return str(task["title"])
        if change.kind == "completed":
            return str((await client.reopen(change.task_id))["title"])
        if change.kind == "reopened":
            return str((await client.complete(change.task_id))["title"])
        if change.kind == "deleted":
            return await _recreate(client, before)
        if change.kind == "updated":
            return await _restore(client, change.task_id, before)
    except ToolError as exc:
        if str(exc) == "no such task":
            return None  # gone since: nothing left to revert
        raise
    return None


async def _recreate(client: TaskClient, before: dict[str, Any]) -> str:
    body: dict[str, Any] = {k: before[k] for k in FIELDS if before.get(k) is not None}
    if not body.get("recurrence"):
        body.pop("repeat_from_completion", None)
    reminders = []
    for r in before.get("reminders", []):
        if r.get("offset_minutes") is not None and before.get("due_at"):
            reminders.append({"before_minutes": r["offset_minutes"]})
        elif r.get("at"):
            reminders.append({"at": r["at"]})
    body["reminders"] = reminders
    task = await client.create(body)
    if before.get("status") == "completed":
        await client.complete(task["id"])
    return str(task["title"])


async def _restore(client: TaskClient, task_id: str, before: dict[str, Any]) -> str:
    current = await client.get(task_id)
    body = {k: before.get(k) for k in FIELDS if before.get(k) != current.get(k)}
    if body.get("title") is None:
        body.pop("title", None)
    if body:
        current = await client.update(task_id, body)
    if "reminders" in before:
        current = await _restore_reminders(client, current, before["reminders"])
    if before.get("status") and before["status"] != current.get("status"):
        current = await (client.complete if before["status"] == "completed" else client.reopen)(
            task_id
        )
    return str(current["title"])


async def _restore_reminders(
    client: TaskClient, task: dict[str, Any], wanted: list[dict[str, Any]]
) -> dict[str, Any]:
    def key(r: dict[str, Any]) -> tuple[Any, Any]:
        return (r.get("offset_minutes"), None if r.get("offset_minutes") is not None else r["at"])

    want = {key(r) for r in wanted}
    have = [r for r in task.get("reminders", []) if not r.get("fired_at")]
    for r in have:
        if key(r) not in want:
            task = await client.remove_reminder(task["id"], r["id"])
    present = {key(r) for r in task.get("reminders", [])}
    for r in wanted:
        if key(r) in present:
            continue
        body = (
            {"before_minutes": r["offset_minutes"]}
            if r.get("offset_minutes") is not None
            else {"at": r["at"]}
        )
        task = await client.add_reminder(task["id"], body)
    return task
