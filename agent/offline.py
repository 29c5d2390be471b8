"""Offline mode: no LLM. The rule parser turns the message into an intent; the intent
becomes calls of the same tools the LLM would use, so both modes act alike."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any, TypeVar

from agent import approvals, nlp
from agent.events import AgentEvent, ToolFinished, ToolStarted, TurnDone
from agent.memory import PendingAction
from agent.task_client import ToolError
from agent.tools import ToolContext, ToolResult, run_tool
from backend_services.kernel import wording

HELP = (
    "I can add, list, update, complete and delete tasks, set reminders and repeats. Try:\n"
    "- add buy milk tomorrow at 5pm #shopping high priority\n"
    "- remind me to call mom in 2 hours\n"
    "- add stand-up every weekday at 9:30 / water the ferns every 3 days after I finish\n"
    "- add milk and eggs to my groceries list / what's on my groceries list?\n"
    "- add file taxes by friday, takes 2 hours (a deadline and a duration)\n"
    "- what's on my list? / show my completed tasks\n"
    "- mark buy milk as done / delete buy milk / move buy milk to friday"
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def add_args(intent: nlp.AddTask) -> dict[str, Any]:
    remind_at, before = intent.reminder_at, intent.reminder_before_minutes
    if remind_at is not None and remind_at == intent.due_at and before is None:
        remind_at, before = None, 0  # "remind me to X at T": follows T when it moves
    return {
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
        "deadline": _day(intent.deadline),
        "duration_minutes": intent.duration_minutes,
    }


def _filter_args(f: nlp.TaskFilter) -> dict[str, Any]:
    return {
        "status": f.status,
        "tag": f.tag,
        "due": f.due,
        "list_name": f.list_name,
        "priority": f.priority,
        "search": f.search,
        "listed": f.listed,
    }


def plan(intent: nlp.Intent, ctx: ToolContext) -> tuple[str, dict[str, Any]] | str:
    """The tool call for an intent, or a direct reply when no tool is needed."""
    match intent:
        case nlp.AddTask():
            return "add_task", add_args(intent)
        case nlp.AddTasks():
            return "add_tasks", {"tasks": [add_args(one) for one in intent.tasks]}
        case nlp.ListTasks():
            return "list_tasks", {
                "status": intent.status,
                "search": intent.search,
                "tag": intent.tag,
                "priority": intent.priority,
                "due": intent.due,
                "list_name": intent.list_name,
            }
        case nlp.BulkAction():
            return "bulk_tasks", {"action": intent.action, "filter": _filter_args(intent.filter)}
        case nlp.Undo():
            return "undo", {}
        case nlp.Snooze():
            return "snooze_task", {"task": intent.ref, "minutes": intent.minutes}
        case nlp.SmallTalk():
            return intent.reply
        case nlp.OtherLanguage():
            return (
                "Sorry, I only understand English so far. Try for example: "
                "'add buy milk tomorrow at 5pm' or 'what's due today?'"
            )
        case nlp.Unknown():
            return _ask_to_add(intent, ctx)
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
                "deadline": _day(intent.deadline),
                "duration_minutes": intent.duration_minutes,
                "clear": intent.clear,
                "keep_date": intent.keep == "date" or None,
                "keep_time": intent.keep == "time" or None,
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
                return "👍 Anything else?" if intent.yes else "OK."
            if not intent.yes:
                ctx.conversation.pending = None
                if pending.action == "add":
                    return f"OK, I didn't add '{pending.title}'."
                if pending.action == "bulk":
                    return "OK, I left them as they are."
                return f"OK, I kept '{pending.title}'."
            if pending.action == "add" and pending.args is not None:
                return "add_task", {**pending.args, "allow_duplicate": True}
            if pending.action == "bulk":
                return "bulk_tasks", {"action": pending.verb, "confirmed": True}
            return "delete_task", {"task": pending.task_id, "confirmed": True}
        case _:
            return HELP


_Categorised = TypeVar("_Categorised", nlp.ListTasks, nlp.TaskFilter)


def _ask_to_add(intent: nlp.Unknown, ctx: ToolContext) -> str:
    """A message no rule placed: when it reads like a thing to do, ask whether to add it
    (a yes adds it, with the date guessed from it); a question gets a pointer instead."""
    text = " ".join(intent.text.split())
    words = text.split()
    if text.endswith("?") or not words or len(words) > 12 or not any(c.isalpha() for c in text):
        return (
            "Sorry, I didn't get that. I can add, list, change, complete and delete tasks: "
            "for example 'add call mom tomorrow at 5pm' or 'what's due this week?'. "
            "Say 'help' for more."
        )
    guess = nlp.guess_task(text, datetime.now(ctx.zone))
    if guess is None:
        return "Sorry, I didn't get that. Say 'help' to see what I can do."
    args = add_args(guess)
    when = ""
    if guess.due_at is not None:
        when = f", due {wording.moment(guess.due_at, ctx.zone, datetime.now(ctx.zone))}"
    ctx.conversation.pending = PendingAction(action="add", title=guess.title, args=args)
    return f"Add '{guess.title}'{when} as a task? (yes/no)"


async def run_offline(ctx: ToolContext, text: str, now: datetime) -> AsyncIterator[AgentEvent]:
    try:
        intent = nlp.parse_message(text, now)
        if isinstance(intent, nlp.Confirm) and ctx.conversation.pending is None:
            # nothing asked: "delete it", "ok", "sure" are read as what else they are
            other = nlp.parse_message(text, now, skip=frozenset({"chat.confirm"}))
            if not isinstance(other, nlp.Unknown | nlp.Help):
                intent = other
    except nlp.PhraseError as exc:  # "in 99999999999 days", a repeat with no occurrence
        yield TurnDone(f"Sorry: {exc}.")
        return
    if isinstance(intent, nlp.AddTasks):  # several tasks: one call, one reply listing them
        tasks = [await resolve_list_hint(ctx, one) for one in intent.tasks]
        intent = intent.model_copy(update={"tasks": tasks})
    elif isinstance(intent, nlp.AddTask):
        intent = await resolve_list_hint(ctx, intent)
    elif isinstance(intent, nlp.ListTasks) and intent.category:
        intent = await resolve_category(ctx, intent)
    elif isinstance(intent, nlp.BulkAction) and intent.filter.category:
        f = await resolve_category(ctx, intent.filter)
        intent = intent.model_copy(update={"filter": f})
    if isinstance(intent, nlp.BulkAction) and intent.as_title:
        intent = await list_or_title(ctx, intent, intent.as_title)
    async for event in _run_intent(ctx, intent):
        yield event


async def resolve_category(ctx: ToolContext, intent: _Categorised) -> _Categorised:
    """ "show my work tasks": the Work list when the user has one, else the #work tag."""
    name = intent.category or ""
    try:
        names = [entry["name"] for entry in await ctx.client.lists()]
    except ToolError:
        names = []
    known = next((n for n in names if n.lower() == name.lower()), None)
    if known is not None:
        return intent.model_copy(update={"list_name": known, "category": None})
    return intent.model_copy(update={"tag": name, "category": None})


async def list_or_title(ctx: ToolContext, intent: nlp.BulkAction, words: str) -> nlp.Intent:
    """ "delete packing list" with no Packing list: the task titled so, when there is one."""
    title = re.sub(r"^(?:my|the|our|that|this)\s+", "", words.strip(), flags=re.I)
    wanted = (intent.filter.list_name or "").lower()
    try:
        if any(entry["name"].lower() == wanted for entry in await ctx.client.lists()):
            return intent  # the list exists: it is the list that is meant
        page = await ctx.client.list(status="pending", q=title[:200], limit=50)
    except ToolError:
        return intent
    if any(str(t.get("title", "")).lower() == title.lower() for t in page.get("items", [])):
        return nlp.DeleteTask(ref=title)
    return intent


async def resolve_list_hint(ctx: ToolContext, intent: nlp.AddTask) -> nlp.AddTask:
    """ "add eggs to groceries" files eggs in the user's Groceries list when there is one;
    otherwise "to groceries" stays part of the title ("add talk to mom")."""
    if intent.list_hint is None:
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
    pending = ctx.conversation.pending
    refusing = isinstance(intent, nlp.Confirm) and not intent.yes
    if refusing and pending and pending.approval_id and ctx.approvals is not None:
        # a no: the workflow waiting for the yes is refused
        made, reply = await approvals.answer(ctx, pending.approval_id, approved=False)
        if made:  # approved already (the card's button): say what was done
            yield TurnDone(reply)
            return
        ctx.conversation.pending = pending  # plan() words the refusal
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
    yield TurnDone(result.message if result.ok else _sorry(result.message))


def _sorry(message: str) -> str:
    """ "Sorry: no task called 'x'." but a question stays a question: "Which one do you
    mean: 'a' (due Fri) or 'b' (in Work)?" """
    if message.endswith("?"):
        return message[:1].upper() + message[1:]
    return f"Sorry: {message}."
