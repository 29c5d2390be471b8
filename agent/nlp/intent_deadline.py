"""Intent family "deadline": set, change or clear an existing task's deadline (a date it must
be done by) or duration (how long it takes). New tasks get theirs in `intent_add` (see
`deadlines.py` for the phrases)."""

from __future__ import annotations

from datetime import date, datetime

from agent.nlp.cues import ADD_PREFIXES, pattern
from agent.nlp.dates import extract_datetime
from agent.nlp.deadlines import find_duration
from agent.nlp.decision import Rule
from agent.nlp.intents import Intent, UpdateTask
from agent.nlp.refs import clean_ref
from agent.nlp.text import remove_spans, tidy

_VERB = r"(?:please\s+)?(?:set|make|change|move|put|push|update|give)"
_SET_DEADLINE = (
    pattern(
        rf"^{_VERB}\s+(?:the\s+|a\s+)?deadline\s+(?:of|for|on)\s+(?P<ref>.+?)\s+"
        r"(?:to|for|as|on|at)\s+(?P<when>.+)$"
    ),
    pattern(rf"^{_VERB}\s+(?P<ref>.+?)\s+(?:a\s+)?deadline\s+(?:of\s+|on\s+)?(?P<when>.+)$"),
    pattern(r"^(?P<ref>.+?)(?:'s)?\s+deadline\s+(?:is|should\s+be|is\s+now)\s+(?P<when>.+)$"),
    pattern(
        r"^(?P<ref>.+?)\s+(?:is\s+due|must\s+be\s+(?:done|finished|ready)|has\s+to\s+be\s+"
        r"(?:done|finished|ready)|needs\s+to\s+be\s+(?:done|finished|ready))\s+by\s+(?P<when>.+)$"
    ),
)
_CLEAR_DEADLINE = (
    pattern(
        r"^(?:please\s+)?(?:remove|clear|delete|drop|take\s+off|get\s+rid\s+of)\s+(?:the\s+)?"
        r"deadline\s+(?:from|of|on|for)\s+(?P<ref>.+)$"
    ),
    pattern(r"^no\s+deadline\s+(?:for|on)\s+(?P<ref>.+)$"),
    pattern(r"^(?P<ref>.+?)\s+(?:has|needs)\s+no\s+deadline(?:\s+any\s?more)?$"),
)
_SET_DURATION = (
    pattern(
        rf"^{_VERB}\s+(?:the\s+)?(?:duration|length)\s+(?:of|for|on)\s+(?P<ref>.+?)\s+"
        r"(?:to|at|as)\s+(?P<amount>.+)$"
    ),
    pattern(
        r"^(?P<ref>.+?)\s+(?:takes|will\s+take|should\s+take|lasts|will\s+last)\s+"
        r"(?:about\s+|around\s+)?(?P<amount>.+)$"
    ),
)
_CLEAR_DURATION = (
    pattern(
        r"^(?:please\s+)?(?:remove|clear|delete|drop)\s+(?:the\s+)?(?:duration|length)\s+"
        r"(?:from|of|on|for)\s+(?P<ref>.+)$"
    ),
)


def whole_date(words: str, now: datetime) -> date | None:
    """The date `words` consist of ("friday", "the 9th", "march 3"), else None."""
    dp = extract_datetime(words, now)
    if not dp.found or dp.when is None or dp.date_part is None:
        return None
    if tidy(remove_spans(words, dp.spans)):
        return None  # more than a date
    return dp.date_part


def whole_duration(words: str) -> int | None:
    found = find_duration(f"for {words.strip()}", bare=False)
    if found is None or found.span != (0, len(words.strip()) + 4):
        return None
    return found.minutes


def _adds(s: str) -> bool:
    """ "add X, takes 2 hours" is a new task with its duration, not an edit of "add X"."""
    return any(rx.match(s) for rx in ADD_PREFIXES)


def _deadline(s: str, now: datetime) -> Intent | None:
    if _adds(s):
        return None
    for rx in _CLEAR_DEADLINE:
        m = rx.match(s)
        if m and (ref := clean_ref(m.group("ref"))):
            return UpdateTask(ref=ref, clear=["deadline"])
    for rx in _SET_DEADLINE:
        m = rx.match(s)
        if m and (ref := clean_ref(m.group("ref"))):
            day = whole_date(m.group("when"), now)
            if day is not None:
                return UpdateTask(ref=ref, deadline=day)
    return None


def _duration(s: str, now: datetime) -> Intent | None:
    if _adds(s):
        return None
    for rx in _CLEAR_DURATION:
        m = rx.match(s)
        if m and (ref := clean_ref(m.group("ref"))):
            return UpdateTask(ref=ref, clear=["duration"])
    for rx in _SET_DURATION:
        m = rx.match(s)
        if m and (ref := clean_ref(m.group("ref"))):
            minutes = whole_duration(m.group("amount"))
            if minutes is not None:
                return UpdateTask(ref=ref, duration_minutes=minutes)
    return None


RULES: tuple[Rule, ...] = (
    Rule("deadline.set_or_clear", 0.752, _deadline),
    Rule("deadline.duration", 0.754, _duration),
)
