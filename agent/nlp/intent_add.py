"""Intent family "add": one new task or several, from an explicit verb ("add", "remind me
to", "I need to") or from a bare statement that carries a date, repeat, tag or priority."""

from __future__ import annotations

import re
from datetime import datetime

from agent.nlp.compound import conjoined_items
from agent.nlp.cues import ADD_PREFIXES, POLITE, REMIND_LIKE, REMIND_PREFIX, VERB_REMIND, pattern
from agent.nlp.dates import extract_datetime
from agent.nlp.deadlines import find_deadline, find_duration
from agent.nlp.decision import Rule
from agent.nlp.filler import strip_filler
from agent.nlp.intents import AddTask, AddTasks, Intent
from agent.nlp.lists import LIST_HINT, list_target
from agent.nlp.offsets import ReminderOffset, find_reminder_offset
from agent.nlp.priority import extract_priority
from agent.nlp.recurrence import checked_rule, find_recurrence, first_occurrence
from agent.nlp.tags import extract_tags
from agent.nlp.text import (
    DURATION_RE,
    Span,
    duration_from_match,
    duration_minutes,
    first_quoted,
    mask,
    normalize,
    remove_spans,
    tidy,
)

_I = re.IGNORECASE

_REMIND_IN_ADD = pattern(
    rf"(?:,?\s*(?:and\s+)?(?:{VERB_REMIND}|with\s+an?\s+(?:reminder|alert)|set\s+an?\s+"
    rf"(?:reminder|alert)|(?:reminder|alert))\s+(?P<dur>{DURATION_RE})\s+"
    r"(?:before|early|earlier|ahead|in\s+advance|beforehand|prior)(?:\s+it(?:'s\s+due)?)?)"
)
_REMIND_AT_IN_ADD = pattern(rf",?\s*(?:and\s+)?{VERB_REMIND}(?P<when>(?:\s+(?:at|on|in)\b.*)?)$")
_DESC_IN_ADD = pattern(
    r"\s*(?:,|;|\.|\s-\s)?\s*\b(?:with\s+)?(?:description|notes?|details)\s*[:\-]\s*"
    r"(?P<d>.+)$"
)
_TITLE_LEAD = pattern(
    r"^(?:(?:me\s+)?(?:an?|one|the)\s+)?(?:new\s+)?(?:task|todo|to-do|reminder|item|note|entry)s?"
    r"(?:\s+(?:to|called|named|titled|for|that\s+says|saying|about|:|-)|\s*[:\-])\s*(?=\S)"
)
_TITLE_TRAIL = pattern(
    r"\s+(?:to|on|in)\s+(?:my\s+|the\s+)?(?:to-?do\s+|todo\s+|task\s+)?(?:list|tasks"
    r"|todos)$|\s+as\s+an?\s+(?:task|todo|to-do)$"
)


# what may introduce a reminder phrase inside an add: "…, remind me the day before"
_OFFSET_LEAD = pattern(
    rf"(?:[,;]?\s*(?:and\s+)?(?:{VERB_REMIND}|(?:with|and)\s+an?\s+(?:reminder|alert|nudge)"
    r"|(?:set\s+)?an?\s+(?:reminder|alert)|reminder|alert|ping\s+me|remind\s+me))\s*$"
)


def _relative_reminder(text: str, *, reminder: bool) -> tuple[ReminderOffset | None, str]:
    """A reminder relative to the due time ("remind me the day before", "with a reminder
    an hour before") and the text without it; only after a remind lead, or in a "remind
    me to …" message, so "finish it an hour before the meeting" keeps its words."""
    found = find_reminder_offset(text)
    if found is None:
        return None, text
    start, end = found.span
    lead = _OFFSET_LEAD.search(text[:start])
    if lead is None and not reminder:
        return None, text
    cut = lead.start() if lead is not None else start
    return found, tidy(f"{text[:cut]} {text[end:]}")


def _whole_minutes(offset: ReminderOffset) -> int | None:
    b = offset.before
    if b.years or b.months:
        return None
    return b.days * 1440 + b.hours * 60 + b.minutes


def build_add(rest: str, now: datetime, *, reminder: bool) -> Intent | None:
    text = rest
    description: str | None = None
    m = _DESC_IN_ADD.search(text)
    if m:
        description = tidy(m.group("d"))
        text = text[: m.start()]
    before: int | None = None
    offset, text = _relative_reminder(text, reminder=reminder)
    m = _REMIND_IN_ADD.search(text)
    if m:
        dm = re.match(DURATION_RE, m.group("dur"), _I)
        delta = duration_from_match(dm) if dm else None
        if delta is not None:
            before = duration_minutes(delta)
            text = text[: m.start()] + text[m.end() :]
    remind_when: str | None = None
    m = _REMIND_AT_IN_ADD.search(text)
    if m and m.start() > 0:
        reminder = True
        remind_when = m.group("when").strip() or None
        text = text[: m.start()]
    quoted = first_quoted(text)  # 'add "call mom tomorrow" on friday': the quote is the title
    spans: list[Span] = [quoted[1]] if quoted else []
    tags, tspans = extract_tags(mask(text, spans))
    spans += tspans
    priority, pspans = extract_priority(mask(text, spans).replace("\x00", " "))
    spans += pspans
    length = find_duration(mask(text, spans))
    if length is not None:
        spans.append(length.span)
    # "by Friday" (a deadline) in an add; in "remind me to ... by Friday" it stays the due time
    deadline = None if reminder else find_deadline(mask(text, spans), now)
    before_deadline = list(spans)
    if deadline is not None:
        spans.append(deadline.span)
    masked = mask(text, spans)
    spec = find_recurrence(masked, now)
    if spec is not None:
        spans += spec.spans
        masked = mask(text, spans)
    dp = extract_datetime(masked, now)
    if deadline is not None and deadline.also_due and not dp.found and spec is None:
        # "finish the report by Friday" and no other date: due then too, as before
        dp = extract_datetime(mask(text, before_deadline), now)
    spans += dp.spans
    title = remove_spans(text, spans)
    title = re.sub(r"^(?:that\s+)?(?:i\s+(?:need|have)\s+to\s+|to\s+)", "", tidy(title), flags=_I)
    title = _TITLE_TRAIL.sub("", _TITLE_LEAD.sub("", title))
    title = re.sub(r"^(?:to|that)\s+", "", tidy(title), flags=_I)
    title = tidy(title)
    list_name, title = list_target(title)
    hint: str | None = None
    if list_name is None and not quoted and (m := LIST_HINT.search(title)):
        hint, hinted_title = tidy(m.group("l")), tidy(title[: m.start()])
        if hint.lower() == "inbox" or conjoined_items(hinted_title, hint):
            list_name, title, hint = hint, hinted_title, None  # "add milk and eggs to groceries"
    if quoted:
        title = quoted[0]
    if not title:
        return None
    due = dp.when
    recurrence: str | None = None
    if spec is not None:
        recurrence = checked_rule(spec)
        # "every day at 9am Berlin time": the first occurrence is 9am on Berlin's clock
        local_now = now.astimezone(dp.zone) if dp.zone is not None else now
        due = first_occurrence(
            spec, local_now, at=dp.time_part or dp.soft_time, not_before=dp.date_part
        ).astimezone(now.tzinfo)
    reminder_at = None
    if remind_when:
        rp = extract_datetime(remind_when, now)
        reminder_at = rp.when
    elif offset is not None and due is not None:
        whole = _whole_minutes(offset)
        if whole is not None and offset.at is None:
            before = whole  # follows the due time when it moves
        else:
            reminder_at = offset.reminder_for(due)
    elif reminder and due is not None and before is None:
        reminder_at = due
    task = AddTask(
        title=title,
        description=description,
        due_at=due,
        priority=priority,
        tags=tags,
        recurrence=recurrence,
        repeat_from_completion=spec is not None and spec.from_completion,
        list_name=list_name,
        list_hint=hint,
        reminder_at=reminder_at,
        reminder_before_minutes=before,
        deadline=deadline.day if deadline is not None else None,
        duration_minutes=length.minutes if length is not None else None,
    )
    items = [] if quoted or reminder or description else conjoined_items(title, list_name)
    if len(items) > 1:
        return AddTasks(tasks=[task.model_copy(update={"title": item}) for item in items])
    return task


# "add to my groceries list: milk, eggs": the list named before the items
_ADD_TO_LIST_FIRST = pattern(
    rf"^{POLITE}(?:add|put)\s+(?P<where>(?:to|on|in|onto)\s+(?:my\s+|the\s+|our\s+)?[\w'&-]+"
    r"(?:\s+[\w'&-]+)?\s+(?:list|project))\s*[:\-]?\s+(?P<rest>.+)$"
)


def _add(s: str, now: datetime) -> Intent | None:
    m = _ADD_TO_LIST_FIRST.match(s)
    if m:
        return build_add(f"{m.group('rest')} {m.group('where')}", now, reminder=False)
    m = REMIND_PREFIX.match(s) or REMIND_LIKE.match(s)
    if m:
        rest = re.sub(
            r"^(?:that\s+)?(?:i\s+(?:need|have|should|must)\s+to\s+)", "", m.group("rest"), flags=_I
        )
        return build_add(rest, now, reminder=True)
    for rx in ADD_PREFIXES:
        m = rx.match(s)
        if m:
            return build_add(m.group("rest"), now, reminder=False)
    return None


def _fallback(s: str, now: datetime) -> Intent | None:
    """A bare statement with a date, repeat, #tag, priority or list ("call mom tomorrow at
    5", "call the bank #finance high priority", "eggs to my groceries list") is a new task."""
    if s.endswith("?") or re.match(r"^(?:what|when|where|why|how|who|is|are|do|does|can)\b", s, _I):
        return None
    marked = (
        find_recurrence(s) is not None
        or extract_datetime(s, now).found
        or extract_tags(s)[0]
        or extract_priority(s)[0] is not None
        or list_target(s)[0] is not None
    )
    return build_add(s, now, reminder=False) if marked else None


RULES = (
    Rule("add.explicit", 0.7, _add),
    Rule("add.statement", 0.2, _fallback),
)


def guess_task(text: str, now: datetime) -> AddTask | None:
    """The task a message would be if it were one ("buy milk tomorrow"): for "Add it?"."""
    built = build_add(strip_filler(normalize(text)), now, reminder=False)
    if isinstance(built, AddTasks):
        return built.tasks[0] if len(built.tasks) == 1 else None
    return built if isinstance(built, AddTask) else None
