"""The agent's side of approval gates (backend_services/platform/approval_workflow.py).

A destructive or bulk change the agent proposes (delete a task; complete, reopen or delete
several) starts an approval workflow; the person's yes (a reply, or the Approve button on the
chat card) raises the approval event, and the workflow runs the change once, as the activity
below, with the approver's credentials. A no (a reply, or Cancel) raises the refusal; an
unanswered question times out and nothing changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agent import tool_changes
from agent.memory import Change, PendingAction
from agent.task_client import TaskClient, ToolError
from backend_services.platform.approval_workflow import (
    APPROVED,
    REJECTED,
    Activity,
    ApprovalInstance,
    ApprovalNotFound,
)

if TYPE_CHECKING:
    from agent.tools import ToolContext

BULK_DONE = {"complete": "Marked {n} as done", "delete": "Deleted {n}", "reopen": "Reopened {n}"}
EXPIRED = "That question timed out, so nothing was changed. Ask again if you still want it."
REFUSED = "That was cancelled, so nothing was changed."
APPLYING = "That change is still being made; the task list shows it once done."


def count(n: int) -> str:
    return f"{n} task{'s' if n != 1 else ''}"


async def perform(
    client: TaskClient, verb: str, task_ids: list[str], *, single: bool = False
) -> tuple[str, list[Change]]:
    """The approved change (`single`: one task's delete, worded as such). Repeatable: a task
    gone or already in the wanted state since the question is skipped, so a replay after a
    crash applies nothing twice."""
    changes: list[Change] = []
    titles: list[str] = []
    for task_id in task_ids:
        try:
            task = await client.get(task_id)
        except ToolError:
            continue  # gone since the question
        try:
            if verb == "delete":
                await client.delete(task_id)
                changes.append(
                    Change(kind="deleted", task_id=task_id, before=tool_changes.snapshot(task))
                )
            elif verb == "complete" and task["status"] == "pending":
                await client.complete(task_id)
                changes.append(Change(kind="completed", task_id=task_id))
            elif verb == "reopen" and task["status"] == "completed":
                await client.reopen(task_id)
                changes.append(Change(kind="reopened", task_id=task_id))
            else:
                continue
        except ToolError:
            continue  # deleted or changed meanwhile (another replica's replay)
        titles.append(f"'{task['title']}'")
    if single:
        message = f"Deleted {titles[0]}." if titles else "That task is already gone."
        return message, changes
    done = BULK_DONE[verb].format(n=count(len(titles)))
    return (f"{done}: {', '.join(titles)}." if titles else f"{done}."), changes


def activity(client: TaskClient) -> Activity:
    async def run(change: dict[str, Any]) -> dict[str, Any]:
        single = change.get("label") == "delete"
        message, changes = await perform(
            client, change["verb"], list(change["task_ids"]), single=single
        )
        return {
            "message": message,
            "label": change.get("label", change["verb"]),
            "changes": [c.model_dump(mode="json") for c in changes],
        }

    return run


async def ask(ctx: ToolContext, pending: PendingAction, question: str) -> None:
    """Start the approval workflow for `pending` (a no-op where the context has none: MCP)."""
    if ctx.approvals is None or not ctx.user_id:
        return
    verb = "delete" if pending.action == "delete" else pending.verb
    ids = [pending.task_id] if pending.action == "delete" else pending.task_ids
    label = "delete" if pending.action == "delete" else f"bulk {verb}"
    instance = await ctx.approvals.start(
        ctx.user_id,
        ctx.conversation_id,
        question,
        {"verb": verb, "task_ids": ids, "label": label},
    )
    pending.approval_id = instance.instance_id


async def answer(ctx: ToolContext, approval_id: str, approved: bool) -> tuple[bool, str]:
    """Raise the person's answer on the workflow; (whether the change was made, the words).
    The change's undo step is kept in this conversation when this answer made it."""
    assert ctx.approvals is not None
    ran: dict[str, Any] = {}
    act = activity(ctx.client)

    async def run_once(change: dict[str, Any]) -> dict[str, Any]:
        ran.update(await act(change))
        return ran

    event = APPROVED if approved else REJECTED
    try:
        instance = await ctx.approvals.raise_event(approval_id, ctx.user_id, event, run_once)
    except ApprovalNotFound:
        return False, "That question is no longer open, so nothing was changed."
    pending = ctx.conversation.pending
    if pending is not None and pending.approval_id == approval_id:
        ctx.conversation.pending = None
    if ran:
        changes = [Change.model_validate(c) for c in ran["changes"]]
        tool_changes.record(ctx.conversation, str(ran["label"]), changes)
    if instance.status == "completed" and not ran:  # a second answer, or the other button
        return True, f"That was approved already: {outcome(instance)}"
    return instance.status == "completed", outcome(instance)


def outcome(instance: ApprovalInstance) -> str:
    match instance.status:
        case "completed":
            return str((instance.result or {}).get("message", "Done."))
        case "expired":
            return EXPIRED
        case "rejected":
            return REFUSED
        case _:
            return APPLYING
