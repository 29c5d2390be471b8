"""The agent's tools: a registry of pydantic argument models and async handlers.

Every handler acts through `TaskClient`, i.e. the task service, for the session's user.
Failures come back as data (`ToolResult(ok=False)`) for the model or the offline replier.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from agent import approvals, tool_changes
from agent import tool_args as a
from agent.memory import Change, Conversation, PendingAction
from agent.task_client import TaskClient, ToolError
from agent.telemetry import traced_tool
from backend_services.kernel import wording
from backend_services.kernel.rrule import RecurrenceError, next_occurrence
from backend_services.platform.approval_workflow import ApprovalWorkflow
from backend_services.platform.ids import is_uuid


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
    # approval gates (agent/approvals.py): deletes and bulk changes wait for the person's yes
    # in a durable workflow; None (MCP) keeps the yes in conversation memory only
    approvals: ApprovalWorkflow | None = None
    user_id: str = ""
    conversation_id: str = ""

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


def parse_day(value: str | None, zone: ZoneInfo) -> date | None:
    """A deadline: YYYY-MM-DD, or a date-time whose local date counts."""
    if value is None or value == "":
        return None
    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    when = parse_when(text, zone)
    return None if when is None else when.astimezone(zone).date()


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


_FILLER = frozenset(
    [
        "the",
        "a",
        "an",
        "my",
        "our",
        "that",
        "this",
        "one",
        "task",
        "todo",
        "item",
        "about",
        "called",
        "named",
        "for",
        "of",
        "thing",
    ]
)
_ABOUT = re.compile(r"^(?:the\s+)?(?:one|task|todo|item)\s+(?:about|for|with|called|named)\s+")


def _words(text: str) -> list[str]:
    return [w for w in _norm(text).split() if w not in _FILLER]


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _likeness(wanted: list[str], title: str) -> float:
    """How well the words the user said name this title: 3 exact, 2 every word in it,
    1.5 every word close to one of it (a typo, a plural), 1 a part of it, else 0."""
    have = _norm(title).split()
    if wanted == [w for w in have if w not in _FILLER] or " ".join(wanted) == " ".join(have):
        return 3.0
    stems = {_stem(w) for w in have}
    if all(_stem(w) in stems for w in wanted):
        return 2.0
    if all(
        any(difflib.SequenceMatcher(None, _stem(w), s).ratio() >= 0.8 for s in stems)
        for w in wanted
    ):
        return 1.5
    if " ".join(wanted) in _norm(title):
        return 1.0
    return 0.0


async def _find(ctx: ToolContext, ref: str, prefer: str | None) -> dict[str, Any]:
    wanted_text = _norm(ref.strip("\"'"))
    if not wanted_text:
        raise ToolError("which task? give its title")
    remembered = await _remembered(ctx, wanted_text)
    if remembered is not None:
        return remembered
    page = await ctx.client.list(search=None, limit=200, sort="-created")
    tasks: list[dict[str, Any]] = page["items"]
    wanted_text = _ABOUT.sub("", wanted_text)
    one = ONE_RE.match(wanted_text)
    if one and not any(_norm(t["title"]) == wanted_text for t in tasks):
        wanted_text = one["words"]  # "the dentist one": the words before "one"
    wanted = _words(wanted_text) or wanted_text.split()
    scored = [(s, t) for t in tasks if (s := _likeness(wanted, t["title"])) > 0]
    if not scored:
        raise ToolError(f"no task called '{ref}'")
    top = max(s for s, _ in scored)
    best = [t for s, t in scored if s == top]
    if len(best) > 1 and prefer:
        best = [t for t in best if t["status"] == prefer] or best
    if len(best) > 1:  # what this conversation just listed comes first
        listed = set(ctx.conversation.last_listed)
        best = [t for t in best if t["id"] in listed] or best
    if len(best) == 1:
        return best[0]
    shown = [_described(t, ctx.zone) for t in best[:4]]
    options = ", ".join(shown[:-1]) + f" or {shown[-1]}"
    raise ToolError(f"which one do you mean: {options}?")


def brief(task: dict[str, Any], zone: ZoneInfo) -> str:
    """One task in the user's words (backend_services.kernel.wording, shared by every reader)."""
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
        "deadline",
        "duration_minutes",
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
    if (deadline := parse_day(args.deadline, ctx.zone)) is not None:
        body["deadline"] = deadline.isoformat()
    if args.duration_minutes is not None:
        body["duration_minutes"] = args.duration_minutes
    reminders: list[dict[str, Any]] = []
    remind_at = parse_when(args.remind_at, ctx.zone)
    if remind_at:
        reminders.append({"at": remind_at.isoformat()})
    if args.remind_before_minutes is not None:
        reminders.append({"before_minutes": args.remind_before_minutes})
    body["reminders"] = reminders
    if not args.allow_duplicate and (same := await _open_twin(ctx, args.title, due)):
        ctx.conversation.pending = PendingAction(
            action="add", title=args.title, args=args.model_dump(mode="json")
        )
        ctx.conversation.last_task_id = same["id"]
        return ToolResult(
            True,
            f"You already have {_described(same, ctx.zone)}. Add it again anyway? (yes/no)",
            _task_data(same),
            needs_confirmation=True,
        )
    task = await ctx.client.create(body)
    ctx.conversation.last_task_id = task["id"]
    tool_changes.record(ctx.conversation, "add", [Change(kind="created", task_id=task["id"])])
    added = wording.added(task, ctx.zone, datetime.now(ctx.zone))
    return ToolResult(True, added, _task_data(task, ctx.zone))


async def _open_twin(ctx: ToolContext, title: str, due: datetime | None) -> dict[str, Any] | None:
    """An open task with the same title due the same day (or both undated)."""
    words = _norm(title)
    if not words:
        return None
    page = await ctx.client.list(status="pending", q=title[:200], limit=50)
    day = due.astimezone(ctx.zone).date() if due else None
    for task in page["items"]:
        if _norm(task["title"]) != words:
            continue
        when = parse_when(task.get("due_at"), ctx.zone)
        if (when.astimezone(ctx.zone).date() if when else None) == day:
            return task
    return None


def _described(task: dict[str, Any], zone: ZoneInfo) -> str:
    """ "'dentist' (due Fri 15:00, #health, in Work)": what tells two tasks apart."""
    facts = wording.details(task, zone, datetime.now(zone))
    return f"'{task['title']}'" + (f" ({', '.join(facts)})" if facts else "")


@tool("add_tasks", a.AddTasks)
async def add_tasks(ctx: ToolContext, args: a.AddTasks) -> ToolResult:
    made: list[dict[str, Any]] = []
    lines: list[str] = []
    skipped: list[str] = []
    for one in args.tasks:
        result = await add_task(ctx, one)
        if result.needs_confirmation:
            ctx.conversation.pending = None
            skipped.append(one.title)
            continue
        step = ctx.conversation.undo.pop() if ctx.conversation.undo else None
        made.append(result.data)
        lines.append(f"- {result.message.removeprefix('Added: ')}")
        if step is not None:
            _merge_undo(ctx, step)
    if len(made) > 1:
        _close_undo_group(ctx, len(made))
    head = f"Added {len(made)} task{'s' if len(made) != 1 else ''}:" if made else "Added nothing."
    text = "\n".join([head, *lines])
    if skipped:
        again = ", ".join(f"'{title}'" for title in skipped)
        text += f"\nAlready on your list, so not added again: {again}"
    return ToolResult(True, text, made)


def _merge_undo(ctx: ToolContext, step: Any) -> None:
    ctx.conversation.undo.append(step)


def _close_undo_group(ctx: ToolContext, n: int) -> None:
    """The last ``n`` undo steps (one per created task) become one: undo removes them all."""
    steps = ctx.conversation.undo[-n:]
    merged = [c for s in steps for c in s.changes]
    del ctx.conversation.undo[-n:]
    tool_changes.record(ctx.conversation, "add", merged)


def due_window(due: str | None, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """[after, before) in the user's zone for a due filter ("today", "week", ...)."""
    now = datetime.now(zone)
    today = datetime(now.year, now.month, now.day, tzinfo=zone)

    def day(n: int) -> datetime:
        d = today.date() + timedelta(days=n)
        return datetime(d.year, d.month, d.day, tzinfo=zone)

    if due == "today":
        return today, day(1)
    if due == "tomorrow":
        return day(1), day(2)
    if due == "week":
        return today, day(7)
    if due == "next_week":
        monday = 7 - today.weekday()
        return day(monday), day(monday + 7)
    return None, None


async def matching_tasks(
    ctx: ToolContext,
    *,
    status: str | None,
    search: str | None = None,
    tag: str | None = None,
    priority: str | None = None,
    due: str | None = None,
    overdue: bool | None = None,
    list_name: str | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """The user's tasks that match; only open ones unless ``status`` says otherwise."""
    wanted = "pending" if status is None else (None if status == "all" else status)
    after, before = due_window(due, ctx.zone)
    no_date = due == "no_date"
    page = await ctx.client.list(
        status=wanted,
        q=search,
        tag=tag.lstrip("#") if tag else None,
        priority=priority,
        overdue=True if due == "overdue" else overdue,
        list=list_name,
        due_after=after.isoformat() if after else None,
        due_before=before.isoformat() if before else None,
        sort="due",
        limit=200 if no_date else limit,
    )
    items: list[dict[str, Any]] = page["items"]
    total: int = page["total"]
    if no_date:
        items = [t for t in items if not t.get("due_at")]
        total = len(items)
        items = items[:limit]
    return items, total


@tool("list_tasks", a.ListTasks)
async def list_tasks(ctx: ToolContext, args: a.ListTasks) -> ToolResult:
    items, total = await matching_tasks(
        ctx,
        status=args.status,
        search=args.search,
        tag=args.tag,
        priority=args.priority,
        due=args.due,
        overdue=args.overdue,
        list_name=args.list_name,
    )
    ctx.conversation.last_listed = [t["id"] for t in items]
    if not items:
        return ToolResult(True, "No matching tasks.", [])
    shown = wording.table(items, ctx.zone, datetime.now(ctx.zone))
    more = f"\n\n(and {total - len(items)} more)" if total > len(items) else ""
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
    current = parse_when(task.get("due_at"), ctx.zone)
    if due and current and (args.keep_date or args.keep_time):
        due, current = due.astimezone(ctx.zone), current.astimezone(ctx.zone)
        day, clock = (current, due) if args.keep_date else (due, current)
        due = datetime.combine(day.date(), clock.timetz().replace(tzinfo=None), ctx.zone)
    if due:
        body["due_at"] = due.isoformat()
    if (deadline := parse_day(args.deadline, ctx.zone)) is not None:
        body["deadline"] = deadline.isoformat()
    if args.duration_minutes is not None:
        body["duration_minutes"] = args.duration_minutes
    for cleared in args.clear:
        body["deadline" if cleared == "deadline" else "duration_minutes"] = None
    if not body:
        return ToolResult(False, "nothing to change was given")
    updated = await ctx.client.update(task["id"], body)
    _record_update(ctx, "update", task)
    return ToolResult(True, f"Updated: {brief(updated, ctx.zone)}", _task_data(updated))


def _record_update(ctx: ToolContext, label: str, before: dict[str, Any]) -> None:
    snap = tool_changes.snapshot(before)
    tool_changes.record(
        ctx.conversation, label, [Change(kind="updated", task_id=before["id"], before=snap)]
    )


ALL_OF_THEM = {"all of them", "all of those", "them", "them all", "both", "both of them", "all"}


@tool("complete_task", a.CompleteTask)
async def complete_task(ctx: ToolContext, args: a.CompleteTask) -> ToolResult:
    if _norm(args.task) in ALL_OF_THEM and ctx.conversation.last_listed:
        listed = a.BulkTasks(action="complete", filter=a.TaskFilterArgs(listed=True))
        return await bulk_tasks(ctx, listed)  # asks first
    task = await resolve_task(ctx, args.task, prefer="pending")
    done = await ctx.client.complete(task["id"])
    if task["status"] != "completed":
        tool_changes.record(
            ctx.conversation,
            "complete",
            [Change(kind="completed", task_id=task["id"], before=tool_changes.snapshot(task))],
        )
    return ToolResult(True, wording.completed(done), _task_data(done))


@tool("reopen_task", a.ReopenTask)
async def reopen_task(ctx: ToolContext, args: a.ReopenTask) -> ToolResult:
    task = await resolve_task(ctx, args.task, prefer="completed")
    reopened = await ctx.client.reopen(task["id"])
    if task["status"] == "completed":
        tool_changes.record(
            ctx.conversation, "reopen", [Change(kind="reopened", task_id=task["id"])]
        )
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
        ask = PendingAction(action="delete", task_id=task["id"], title=task["title"])
        question = f"Delete '{task['title']}'? Please confirm (yes/no)."
        await approvals.ask(ctx, ask, question)
        ctx.conversation.pending = ask
        return ToolResult(True, question, _task_data(task), needs_confirmation=True)
    if pending is not None and pending.approval_id and ctx.approvals is not None:
        _done, message = await approvals.answer(ctx, pending.approval_id, approved=True)
        return ToolResult(True, message)
    await ctx.client.delete(task["id"])
    ctx.conversation.pending = None
    tool_changes.record(
        ctx.conversation,
        "delete",
        [Change(kind="deleted", task_id=task["id"], before=tool_changes.snapshot(task))],
    )
    return ToolResult(True, f"Deleted '{task['title']}'.")


@tool("add_reminder", a.AddReminder)
async def add_reminder(ctx: ToolContext, args: a.AddReminder) -> ToolResult:
    task = await resolve_task(ctx, args.task, prefer="pending")
    at = parse_when(args.at, ctx.zone)
    if (at is None) == (args.before_minutes is None):
        return ToolResult(False, "give either a time or minutes before the due time")
    body = {"at": at.isoformat()} if at else {"before_minutes": args.before_minutes}
    updated = await ctx.client.add_reminder(task["id"], body)
    _record_update(ctx, "add reminder", task)
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
    _record_update(ctx, "remove reminder", task)
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
    _record_update(ctx, "repeat", task)
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


# ------------------------------------------------------------------ bulk, undo, snooze
BULK_ASK = {"complete": "Mark {n} as done", "delete": "Delete {n}", "reopen": "Reopen {n}"}


async def _bulk_targets(ctx: ToolContext, args: a.BulkTasks) -> list[dict[str, Any]]:
    f = args.filter
    if f.listed:
        found = []
        for task_id in ctx.conversation.last_listed:
            try:
                found.append(await ctx.client.get(task_id))
            except ToolError:
                continue  # deleted since it was listed
    else:
        default = {"complete": "pending", "reopen": "completed", "delete": "all"}
        status: str = f.status or default[args.action]
        found, _ = await matching_tasks(
            ctx,
            status=status,
            search=f.search,
            tag=f.tag,
            priority=f.priority,
            due=f.due,
            list_name=f.list_name,
            limit=200,
        )
    if args.action == "complete":
        found = [t for t in found if t["status"] == "pending"]
    elif args.action == "reopen":
        found = [t for t in found if t["status"] == "completed"]
    return found


@tool("bulk_tasks", a.BulkTasks)
async def bulk_tasks(ctx: ToolContext, args: a.BulkTasks) -> ToolResult:
    pending = ctx.confirmable
    if args.confirmed and pending is not None and pending.action == "bulk":
        if pending.approval_id and ctx.approvals is not None:
            _done, message = await approvals.answer(ctx, pending.approval_id, approved=True)
            return ToolResult(True, message)
        return await _bulk_run(ctx, pending.verb, pending.task_ids)
    targets = await _bulk_targets(ctx, args)
    if not targets:
        return ToolResult(True, "No tasks match that, so there is nothing to do.", [])
    titles = ", ".join(f"'{t['title']}'" for t in targets[:10])
    more = f" and {len(targets) - 10} more" if len(targets) > 10 else ""
    ask = PendingAction(
        action="bulk",
        verb=args.action,
        task_ids=[t["id"] for t in targets],
        title=approvals.count(len(targets)),
    )
    verb_words = BULK_ASK[args.action].format(n=approvals.count(len(targets)))
    question = f"{verb_words}: {titles}{more}? Please confirm (yes/no)."
    await approvals.ask(ctx, ask, question)
    ctx.conversation.pending = ask
    return ToolResult(True, question, [_task_data(t) for t in targets], needs_confirmation=True)


async def _bulk_run(ctx: ToolContext, verb: str, task_ids: list[str]) -> ToolResult:
    """A bulk change confirmed without an approval workflow (MCP)."""
    ctx.conversation.pending = None
    message, changes = await approvals.perform(ctx.client, verb, task_ids)
    tool_changes.record(ctx.conversation, f"bulk {verb}", changes)
    return ToolResult(True, message)


@tool("undo", a.Undo)
async def undo(ctx: ToolContext, args: a.Undo) -> ToolResult:
    convo = ctx.conversation
    if not convo.undo:
        return ToolResult(True, "There is nothing to undo in this conversation.")
    step = convo.undo.pop()
    titles = await tool_changes.revert(ctx.client, step)
    what = {
        "add": "removed",
        "complete": "reopened",
        "reopen": "marked done again",
        "delete": "restored",
        "bulk delete": "restored",
        "bulk complete": "reopened",
        "bulk reopen": "marked done again",
    }.get(step.label, "put back")
    names = ", ".join(f"'{t}'" for t in titles)
    if step.label in ("update", "add reminder", "remove reminder", "repeat", "snooze"):
        return ToolResult(True, f"Undone: {names} is back as it was." if names else "Undone.")
    return ToolResult(True, f"Undone: {what} {names}." if names else "Undone.")


@tool("snooze_task", a.SnoozeTask)
async def snooze_task(ctx: ToolContext, args: a.SnoozeTask) -> ToolResult:
    task = await resolve_task(ctx, args.task, prefer="pending")
    delta = timedelta(minutes=args.minutes)
    due = parse_when(task.get("due_at"), ctx.zone)
    now = datetime.now(ctx.zone)
    updated = task
    if due is not None:
        # from the due time, or from now when it is already past
        base = due if due > now else now
        updated = await ctx.client.update(task["id"], {"due_at": (base + delta).isoformat()})
    for r in task.get("reminders", []):
        if r.get("offset_minutes") is None and not r.get("fired_at"):
            at = parse_when(r["at"], ctx.zone)
            if at is not None:
                updated = await ctx.client.remove_reminder(task["id"], r["id"])
                base = at if at > now else now
                updated = await ctx.client.add_reminder(
                    task["id"], {"at": (base + delta).isoformat()}
                )
    if due is None and not any(r.get("offset_minutes") is None for r in task["reminders"]):
        updated = await ctx.client.add_reminder(task["id"], {"at": (now + delta).isoformat()})
    _record_update(ctx, "snooze", task)
    return ToolResult(True, f"Snoozed: {brief(updated, ctx.zone)}", _task_data(updated))
