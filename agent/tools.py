"""The agent's tools: a registry of pydantic argument models and async handlers.

Every handler acts through `TaskClient`, i.e. the task service, for the session's user.
Failures come back as data (`ToolResult(ok=False)`) for the model or the offline replier.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from agent import tool_args as a
from agent.memory import Conversation, PendingAction
from agent.task_client import TaskClient, ToolError
from agent.telemetry import traced_tool
from backend_services.platform.ids import is_uuid
from backend_services.tasks import wording
from backend_services.tasks.recurrence import RecurrenceError, next_occurrence


@dataclass
class ToolResult:
    ok: bool
    message: str
    data: Any = None
    needs_confirmation: bool = False

    def for_model(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": self.ok, "message": self.message}
        if self.data is not None:
            out["data"] = self.data
        if self.needs_confirmation:
            out["needs_confirmation"] = True
        return out


@dataclass
class ToolContext:
    client: TaskClient
    timezone: str
    conversation: Conversation
    # what was awaiting the user's yes when this turn began: only that can be confirmed
    confirmable: PendingAction | None = None

    def __post_init__(self) -> None:
        if self.confirmable is None:
            self.confirmable = self.conversation.pending

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


Handler = Callable[[ToolContext, Any], Awaitable[ToolResult]]


@dataclass(frozen=True)
class Tool:
    name: str
    args: type[BaseModel]
    handler: Handler

    def schema(self) -> Any:
        import openai  # only LLM mode needs it; keeps the offline start-up light

        return openai.pydantic_function_tool(
            self.args, name=self.name, description=(self.args.__doc__ or "").strip()
        )


REGISTRY: dict[str, Tool] = {}


def tool(name: str, args: type[BaseModel]) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        REGISTRY[name] = Tool(name, args, fn)
        return fn

    return register


def openai_tools() -> list[Any]:
    return [t.schema() for t in REGISTRY.values()]


async def run_tool(ctx: ToolContext, name: str, raw_args: str | dict[str, Any]) -> ToolResult:
    label = name if name in REGISTRY else "(unknown)"  # the model's output: never a label
    return await traced_tool(label, lambda: _run_tool(ctx, name, raw_args), lambda r: r.ok)


async def _run_tool(ctx: ToolContext, name: str, raw_args: str | dict[str, Any]) -> ToolResult:
    spec = REGISTRY.get(name)
    if spec is None:
        return ToolResult(False, f"unknown tool {name!r}")
    try:
        args = (
            spec.args.model_validate_json(raw_args)
            if isinstance(raw_args, str)
            else spec.args.model_validate(raw_args)
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "arguments"
        return ToolResult(False, f"invalid arguments - {where}: {first['msg']}")
    try:
        return await spec.handler(ctx, args)
    except ToolError as exc:
        return ToolResult(False, str(exc))


# ---------------------------------------------------------------------------------------
def parse_when(value: str | None, zone: ZoneInfo) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ToolError(f"not a date-time: {value!r} (use ISO 8601)") from exc
    return when.replace(tzinfo=zone) if when.tzinfo is None else when


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
}  # fmt: skip
PRONOUNS = {"it", "that", "this", "that one", "this one", "that task", "this task", "the task"}
ORDINAL_RE = re.compile(
    r"^(?:the\s+|number\s+|no\s+|#)?(?P<n>\d+|" + "|".join(ORDINALS) + r"|last)"
    r"(?:st|nd|rd|th)?(?:\s+(?:one|task|item))?$"
)
ONE_RE = re.compile(r"^(?:the\s+)?(?P<words>.+?)\s+(?:one|task)$")  # "the dentist one"


async def _remembered(ctx: ToolContext, wanted: str) -> dict[str, Any] | None:
    """A reference to what this conversation last showed or touched: "it", "that one" (the
    last task acted on), "the second one", "2", "the last one" (in the last list)."""
    convo = ctx.conversation
    if wanted in PRONOUNS:
        if convo.last_task_id is None:
            raise ToolError(f"which task do you mean by '{wanted}'? give its title")
        return await ctx.client.get(convo.last_task_id)
    match = ORDINAL_RE.match(wanted)
    if match and convo.last_listed:
        n = match["n"]
        position = len(convo.last_listed) if n == "last" else int(ORDINALS.get(n, n) or 0)
        if not 1 <= position <= len(convo.last_listed):
            raise ToolError(f"the last list had {len(convo.last_listed)} tasks, not {position}")
        return await ctx.client.get(convo.last_listed[position - 1])
    return None


async def resolve_task(ctx: ToolContext, ref: str, *, prefer: str | None = None) -> dict[str, Any]:
    """Find the user's task the user referred to: by id, by what the conversation last showed
    ("it", "the second one"), exact title, or title words ("the dentist one")."""
    ref = ref.strip()
    if is_uuid(ref):  # an id (platform/ids.py); anything else is title words, never a path
        task = await ctx.client.get(ref)
    else:
        task = await _find(ctx, ref, prefer)
    ctx.conversation.last_task_id = task["id"]
    return task


async def _find(ctx: ToolContext, ref: str, prefer: str | None) -> dict[str, Any]:
    wanted = _norm(ref.strip("\"'"))
    if not wanted:
        raise ToolError("which task? give its title")
    remembered = await _remembered(ctx, wanted)
    if remembered is not None:
        return remembered
    page = await ctx.client.list(search=None, limit=200, sort="-created")
    tasks: list[dict[str, Any]] = page["items"]
    one = ONE_RE.match(wanted)
    if one and not any(_norm(t["title"]) == wanted for t in tasks):
        wanted = one["words"]  # "the dentist one": the words before "one"
    if ctx.conversation.last_listed:
        # among the tasks just shown first, so "the dentist one" means the listed one
        shown = [t for t in tasks if t["id"] in ctx.conversation.last_listed]
        words = set(wanted.split())
        hits = [t for t in shown if words <= set(_norm(t["title"]).split())]
        if len(hits) == 1:
            return hits[0]
    exact = [t for t in tasks if _norm(t["title"]) == wanted]
    words = set(wanted.split())
    partial = [t for t in tasks if words <= set(_norm(t["title"]).split())]
    loose = [t for t in tasks if wanted in _norm(t["title"])]
    for candidates in (exact, partial, loose):
        if prefer:
            preferred = [t for t in candidates if t["status"] == prefer]
            candidates = preferred or candidates
        if len(candidates) == 1 or (candidates and candidates is exact):
            return candidates[0]
        if candidates:
            titles = ", ".join(f"'{t['title']}'" for t in candidates[:5])
            raise ToolError(f"'{ref}' matches several tasks: {titles}; which one?")
    raise ToolError(f"no task called '{ref}'")


def brief(task: dict[str, Any], zone: ZoneInfo) -> str:
    """One task in the user's words (backend_services.tasks.wording, shared by every reader)."""
    return wording.one_line(task, zone, datetime.now(zone))


def _task_data(task: dict[str, Any], zone: ZoneInfo | None = None) -> dict[str, Any]:
    keep = (
        "id",
        "title",
        "status",
        "priority",
        "tags",
        "due_at",
        "recurrence",
        "repeat_from_completion",
        "list_name",
        "reminders",
    )
    data = {k: task.get(k) for k in keep}
    if task.get("series_ended"):  # a completion that ended its repeating series
        data["series_ended"] = True
    if zone is not None and task.get("recurrence"):
        # the model quotes this rather than the RRULE
        data["repeats"] = wording.rule_in_words(
            task["recurrence"], task.get("due_at"), zone, datetime.now(zone)
        )
    return data


# ---------------------------------------------------------------------------------------
@tool("add_task", a.AddTask)
async def add_task(ctx: ToolContext, args: a.AddTask) -> ToolResult:
    due = parse_when(args.due_at, ctx.zone)
    body: dict[str, Any] = {
        "title": args.title,
        "tags": args.tags,
        "priority": args.priority or "none",
    }
    if args.description:
        body["description"] = args.description
    if due:
        body["due_at"] = due.isoformat()
    if args.recurrence:
        body["recurrence"] = args.recurrence
        body["repeat_from_completion"] = args.repeat_from_completion
    if args.list_name:
        body["list_name"] = args.list_name
    reminders: list[dict[str, Any]] = []
    remind_at = parse_when(args.remind_at, ctx.zone)
    if remind_at:
        reminders.append({"at": remind_at.isoformat()})
    if args.remind_before_minutes is not None:
        reminders.append({"before_minutes": args.remind_before_minutes})
    body["reminders"] = reminders
    task = await ctx.client.create(body)
    ctx.conversation.last_task_id = task["id"]
    added = wording.added(task, ctx.zone, datetime.now(ctx.zone))
    return ToolResult(True, added, _task_data(task, ctx.zone))


@tool("list_tasks", a.ListTasks)
async def list_tasks(ctx: ToolContext, args: a.ListTasks) -> ToolResult:
    status = None if args.status in (None, "all") else args.status
    page = await ctx.client.list(
        status=status,
        q=args.search,
        tag=args.tag,
        priority=args.priority,
        overdue=args.overdue,
        list=args.list_name,
        sort="due",
        limit=50,
    )
    items = page["items"]
    ctx.conversation.last_listed = [t["id"] for t in items]
    if not items:
        return ToolResult(True, "No matching tasks.", [])
    shown = wording.table(items, ctx.zone, datetime.now(ctx.zone))
    more = f"\n\n(and {page['total'] - len(items)} more)" if page["total"] > len(items) else ""
    return ToolResult(True, shown + more, [_task_data(t, ctx.zone) for t in items])


@tool("update_task", a.UpdateTask)
async def update_task(ctx: ToolContext, args: a.UpdateTask) -> ToolResult:
    task = await resolve_task(ctx, args.task)
    body: dict[str, Any] = {}
    for name in ("title", "description", "priority", "tags", "list_name"):
        value = getattr(args, name)
        if value is not None:
            body[name] = value
    if args.add_tags:
        current = body.get("tags", task["tags"])
        body["tags"] = [*current, *(t for t in args.add_tags if t not in current)]
    due = parse_when(args.due_at, ctx.zone)
    if due:
        body["due_at"] = due.isoformat()
    if not body:
        return ToolResult(False, "nothing to change was given")
    updated = await ctx.client.update(task["id"], body)
    return ToolResult(True, f"Updated: {brief(updated, ctx.zone)}", _task_data(updated))


ALL_OF_THEM = {"all of them", "all of those", "them", "them all", "both", "both of them", "all"}


@tool("complete_task", a.CompleteTask)
async def complete_task(ctx: ToolContext, args: a.CompleteTask) -> ToolResult:
    if _norm(args.task) in ALL_OF_THEM and ctx.conversation.last_listed:
        return await _complete_listed(ctx)
    task = await resolve_task(ctx, args.task, prefer="pending")
    done = await ctx.client.complete(task["id"])
    return ToolResult(True, wording.completed(done), _task_data(done))


async def _complete_listed(ctx: ToolContext) -> ToolResult:
    """ "Mark all of them done" after a list: every pending task that list showed."""
    done = []
    for task_id in ctx.conversation.last_listed:
        try:
            task = await ctx.client.get(task_id)
        except ToolError:
            continue  # deleted since it was listed
        if task["status"] == "pending":
            done.append(await ctx.client.complete(task_id))
    if not done:
        return ToolResult(True, "Everything in that list was already done.")
    titles = ", ".join(f"'{t['title']}'" for t in done)
    text = f"Marked {titles} as done."
    ended = [f"'{t['title']}'" for t in done if t.get("series_ended")]
    if ended:
        text += f" No next occurrence follows {', '.join(ended)}: that series ended."
    return ToolResult(True, text, [_task_data(t) for t in done])


@tool("reopen_task", a.ReopenTask)
async def reopen_task(ctx: ToolContext, args: a.ReopenTask) -> ToolResult:
    task = await resolve_task(ctx, args.task, prefer="completed")
    reopened = await ctx.client.reopen(task["id"])
    return ToolResult(True, f"Reopened '{reopened['title']}'.", _task_data(reopened))


@tool("delete_task", a.DeleteTask)
async def delete_task(ctx: ToolContext, args: a.DeleteTask) -> ToolResult:
    task = await resolve_task(ctx, args.task)
    pending = ctx.confirmable
    confirmed = (
        args.confirmed
        and pending is not None
        and pending.action == "delete"
        and pending.task_id == task["id"]
    )
    if not confirmed:
        ctx.conversation.pending = PendingAction(
            action="delete", task_id=task["id"], title=task["title"]
        )
        return ToolResult(
            True,
            f"Delete '{task['title']}'? Please confirm (yes/no).",
            _task_data(task),
            needs_confirmation=True,
        )
    await ctx.client.delete(task["id"])
    ctx.conversation.pending = None
    return ToolResult(True, f"Deleted '{task['title']}'.")


@tool("add_reminder", a.AddReminder)
async def add_reminder(ctx: ToolContext, args: a.AddReminder) -> ToolResult:
    task = await resolve_task(ctx, args.task, prefer="pending")
    at = parse_when(args.at, ctx.zone)
    if (at is None) == (args.before_minutes is None):
        return ToolResult(False, "give either a time or minutes before the due time")
    body = {"at": at.isoformat()} if at else {"before_minutes": args.before_minutes}
    updated = await ctx.client.add_reminder(task["id"], body)
    newest = max(updated["reminders"], key=lambda r: r["at"]) if at is None else None
    when = at or (datetime.fromisoformat(newest["at"]) if newest else None)
    now = datetime.now(ctx.zone)
    shown = f" {wording.reminder_phrase(when, updated, ctx.zone, now)}" if when else ""
    return ToolResult(
        True, f"I'll remind you about '{updated['title']}'{shown}.", _task_data(updated)
    )


@tool("remove_reminder", a.RemoveReminder)
async def remove_reminder(ctx: ToolContext, args: a.RemoveReminder) -> ToolResult:
    task = await resolve_task(ctx, args.task)
    ids = [args.reminder_id] if args.reminder_id else [r["id"] for r in task["reminders"]]
    if not ids:
        return ToolResult(False, f"'{task['title']}' has no reminders")
    for rid in ids:
        task = await ctx.client.remove_reminder(task["id"], rid)
    return ToolResult(
        True, f"Removed {len(ids)} reminder(s) from '{task['title']}'.", _task_data(task)
    )


@tool("set_recurrence", a.SetRecurrence)
async def set_recurrence(ctx: ToolContext, args: a.SetRecurrence) -> ToolResult:
    task = await resolve_task(ctx, args.task)
    body: dict[str, Any] = {
        "recurrence": args.rrule or None,
        "repeat_from_completion": bool(args.rrule) and args.repeat_from_completion,
    }
    first = parse_when(args.first_due_at, ctx.zone)
    if first is None and args.rrule and task.get("due_at"):
        first = _first_instance(args.rrule, datetime.fromisoformat(task["due_at"]), ctx.timezone)
    if first:
        body["due_at"] = first.isoformat()
    updated = await ctx.client.update(task["id"], body)
    if updated.get("recurrence"):
        words = wording.rule_in_words(
            updated["recurrence"], updated.get("due_at"), ctx.zone, datetime.now(ctx.zone)
        )
        text = f"'{updated['title']}' now repeats {words}."
    else:
        text = f"'{updated['title']}' no longer repeats."
    return ToolResult(True, text, _task_data(updated, ctx.zone))


def _first_instance(rule: str, due: datetime, tz: str) -> datetime | None:
    """The rule's first instance at or after the task's due time: "make check email repeat
    every workday" on a task due on a Sunday starts the series on Monday."""
    try:
        return next_occurrence(rule, due, due - timedelta(seconds=1), tz)
    except RecurrenceError:
        return None  # the task API will say what is wrong with the rule


@tool("set_timezone", a.SetTimezone)
async def set_timezone(ctx: ToolContext, args: a.SetTimezone) -> ToolResult:
    me = await ctx.client.set_timezone(args.timezone)
    ctx.timezone = me["timezone"]
    return ToolResult(True, f"Your time zone is now {me['timezone']}.")
