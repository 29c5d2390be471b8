"""Offline mode: no LLM. The rule parser turns the message into an intent; the intent
becomes calls of the same tools the LLM would use, so both modes act alike."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from agent import nlp
from agent.events import AgentEvent, ToolFinished, ToolStarted, TurnDone
from agent.task_client import ToolError
from agent.tools import ToolContext, ToolResult, run_tool

HELP = (
    "I can add, list, update, complete and delete tasks, set reminders and repeats. Try:\n"
    "- add buy milk tomorrow at 5pm #shopping high priority\n"
    "- remind me to call mom in 2 hours\n"
    "- add stand-up every weekday at 9:30 / water the ferns every 3 days after I finish\n"
    "- add milk and eggs to my groceries list / what's on my groceries list?\n"
    "- what's on my list? / show my completed tasks\n"
    "- mark buy milk as done / delete buy milk / move buy milk to friday"
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def plan(intent: nlp.Intent, ctx: ToolContext) -> tuple[str, dict[str, Any]] | str:
    """The tool call for an intent, or a direct reply when no tool is needed."""
    match intent:
        case nlp.AddTask():
            remind_at, before = intent.reminder_at, intent.reminder_before_minutes
            if remind_at is not None and remind_at == intent.due_at and before is None:
                remind_at, before = None, 0  # "remind me to X at T": follows T when it moves
            return "add_task", {
                "title": intent.title,
                "description": intent.description,
                "due_at": _iso(intent.due_at),
                "priority": intent.priority,
                "tags": intent.tags,
                "recurrence": intent.recurrence,
                "repeat_from_completion": intent.repeat_from_completion,
                "list_name": intent.list_name,
                "remind_at": _iso(remind_at),
                "remind_before_minutes": before,
            }
        case nlp.ListTasks():
            return "list_tasks", {
                "status": intent.status,
                "search": intent.search,
                "tag": intent.tag,
                "priority": intent.priority,
                "overdue": True if intent.due == "overdue" else None,
                "list_name": intent.list_name,
            }
        case nlp.CompleteTask():
            return "complete_task", {"task": intent.ref}
        case nlp.ReopenTask():
            return "reopen_task", {"task": intent.ref}
        case nlp.DeleteTask():
            return "delete_task", {"task": intent.ref}
        case nlp.UpdateTask():
            return "update_task", {
                "task": intent.ref,
                "title": intent.new_title,
                "due_at": _iso(intent.due_at),
                "priority": intent.priority,
                "description": intent.description,
                "add_tags": intent.add_tags,
                "list_name": intent.list_name,
            }
        case nlp.AddReminder():
            return "add_reminder", {
                "task": intent.ref,
                "at": _iso(intent.at),
                "before_minutes": intent.before_minutes,
            }
        case nlp.RemoveReminder():
            return "remove_reminder", {"task": intent.ref}
        case nlp.SetRecurrence():
            return "set_recurrence", {
                "task": intent.ref,
                "rrule": intent.recurrence,
                "repeat_from_completion": intent.repeat_from_completion,
            }
        case nlp.SetTimezone():
            return "set_timezone", {"timezone": intent.tz}
        case nlp.Confirm():
            pending = ctx.conversation.pending
            if pending is None:
                return "There is nothing waiting for a yes or no."
            if not intent.yes:
                ctx.conversation.pending = None
                return f"OK, I kept '{pending.title}'."
            return "delete_task", {"task": pending.task_id, "confirmed": True}
        case _:
            return HELP


async def run_offline(ctx: ToolContext, text: str, now: datetime) -> AsyncIterator[AgentEvent]:
    try:
        intent = nlp.parse_message(text, now)
    except nlp.PhraseError as exc:  # "in 99999999999 days", a repeat with no occurrence
        yield TurnDone(f"Sorry: {exc}.")
        return
    # several tasks in one message: one add_task call each, one reply listing them all
    parsed: list[nlp.Intent] = [*intent.tasks] if isinstance(intent, nlp.AddTasks) else [intent]
    intents = [await resolve_list_hint(ctx, one) for one in parsed]
    replies: list[str] = []
    for one in intents:
        async for event in _run_intent(ctx, one):
            if isinstance(event, TurnDone):
                replies.append(event.reply)
            else:
                yield event
    yield TurnDone("\n".join(replies))


async def resolve_list_hint(ctx: ToolContext, intent: nlp.Intent) -> nlp.Intent:
    """ "add eggs to groceries" files eggs in the user's Groceries list when there is one;
    otherwise "to groceries" stays part of the title ("add talk to mom")."""
    if not isinstance(intent, nlp.AddTask) or intent.list_hint is None:
        return intent
    try:
        names = [entry["name"] for entry in await ctx.client.lists()]
    except ToolError:
        return intent  # the add itself will report the service's trouble
    known = next((n for n in names if n.lower() == intent.list_hint.lower()), None)
    if known is None:
        return intent
    return intent.model_copy(
        update={"list_name": known, "title": nlp.drop_list_hint(intent.title), "list_hint": None}
    )


async def _run_intent(ctx: ToolContext, intent: nlp.Intent) -> AsyncIterator[AgentEvent]:
    step = plan(intent, ctx)
    if isinstance(step, str):
        yield TurnDone(step)
        return
    name, args = step
    call_id = f"offline-{uuid.uuid4().hex[:12]}"
    shown = {k: v for k, v in args.items() if v not in (None, [], "")}
    if intent.rule:
        shown["parsed_by"] = intent.rule  # which parser rule read the message (not an argument)
    yield ToolStarted(call_id, name, shown)
    result: ToolResult = await run_tool(ctx, name, args)
    yield ToolFinished(call_id, name, result.ok, result.message, result.needs_confirmation)
    if name == "list_tasks" and result.ok:
        heading = "Your completed tasks:" if args.get("status") == "completed" else "Your tasks:"
        # a blank line before the markdown table, or it is read as paragraph text
        yield TurnDone(result.message if not result.data else f"{heading}\n\n{result.message}")
        return
    yield TurnDone(result.message if result.ok else f"Sorry: {result.message}.")
