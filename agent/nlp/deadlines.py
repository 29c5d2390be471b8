"""Deadline and duration phrases of a new or existing task.

A deadline is a date the task must be done by (it never repeats); the due time stays when
the person plans to do it:

- "deadline Friday", "with a deadline of the 9th", "deadline: 2027-03-01" name only the
  deadline (the task gets no due time from them);
- "by Friday", "due by the 9th", "no later than Friday", "must be done by Friday" name the
  deadline, and, when the message names no other date, the task is due then too (as "by
  Friday" always made it: it keeps showing on that day and its reminders ring then); with
  another date ("draft it tomorrow, by Friday") that one is the due time;
- "on Friday" names the due time only (as before). A phrase with only a time ("by 5pm") is a
  due time, not a deadline: a deadline is a date.

A duration is how long the task takes: "for 30 minutes", "takes 2 hours", "will take an
hour and a half", "lasting 45 min", "duration 90 minutes", "1h", "1h30", "90 min" (a bare
amount of minutes or hours; not after "in", "within", "every" or "before": those are times
and offsets).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from agent.nlp.cues import pattern
from agent.nlp.dates import DateParse, extract_datetime
from agent.nlp.text import NUM_RE, Span, number_value

MAX_MINUTES = 24 * 60

# what names a deadline only, and what names a deadline that is also the due day
_DEADLINE_ONLY = (
    r"(?:with\s+|and\s+)?(?:an?\s+|the\s+)?(?:hard\s+)?deadline(?:\s+(?:is|of|on|by|for|at))?"
    r"\s*[:\-]?"
)
_DEADLINE_DUE = (
    r"(?:(?:is\s+)?due\s+)?(?:by|before\s+the\s+end\s+of)"
    r"|no\s+later\s+than"
    r"|(?:must|has\s+to|have\s+to|needs?\s+to|should)\s+be\s+(?:done|finished|submitted|sent"
    r"|in|ready|complete|completed)\s+by"
)
_LEAD = pattern(rf"(?:^|(?<=[\s,;(]))(?:(?P<only>{_DEADLINE_ONLY})|(?P<due>{_DEADLINE_DUE}))\s+")


@dataclass(frozen=True)
class DeadlinePhrase:
    day: date
    span: Span
    also_due: bool  # "by Friday": due then too unless another date says when


def find_deadline(text: str, now: datetime) -> DeadlinePhrase | None:
    """The first deadline phrase in `text` whose date follows its lead word directly."""
    for m in _LEAD.finditer(text):
        rest = text[m.end() :]
        found = _date_right_after(rest, now)
        if found is None:
            continue
        dp, length = found
        assert dp.when is not None
        day = dp.date_part or dp.when.astimezone(now.tzinfo).date()
        return DeadlinePhrase(day, (m.start(), m.end() + length), m.group("due") is not None)
    return None


def _date_right_after(rest: str, now: datetime) -> tuple[DateParse, int] | None:
    """The date phrase at the very start of `rest` and its length; None when what follows
    is no date (or a time only: "by 5pm")."""
    dp = extract_datetime(rest, now)
    if not dp.found or dp.when is None or dp.date_part is None:
        return None
    lead = len(rest) - len(rest.lstrip())
    first = min(dp.spans)
    if first[0] > lead:
        return None
    end = first[1]
    for a, b in sorted(dp.spans):  # the same phrase continued ("friday at noon")
        if a <= end + 1 and b > end:
            end = b
    return dp, end


_AMOUNT = (
    r"(?:(?P<halfhour>half\s+an?\s+hour)|(?P<hourhalf>an?\s+hour\s+and\s+a\s+half)"
    r"|(?P<anhour>an?\s+hour)|(?P<quarter>a\s+quarter\s+(?:of\s+an\s+)?hour)"
    rf"|(?P<num>{NUM_RE})\s*(?P<unit>minutes?|mins?|m|hours?|hrs?|h)"
    r"(?:\s*(?P<rest>\d{1,2})\s*(?:minutes?|mins?|m)?)?)"
)
_DURATION_LEAD = pattern(
    r"(?:^|(?<=[\s,;(]))(?:(?:it\s+|that\s+|this\s+|which\s+)?(?:will\s+|should\s+|would\s+)?"
    r"(?:takes?|taking|lasts?|lasting)(?:\s+about|\s+around|\s+roughly)?"
    r"|(?:with\s+a\s+|and\s+a\s+)?duration(?:\s+of)?\s*:?|for(?:\s+about|\s+around)?)\s+"
    rf"{_AMOUNT}\b"
)
# a bare amount ("gym 1h", "review notes 45 min"; "h" and "m" only right after the digits:
# "3 m of rope" is no duration), unless a word before makes it a time
_BARE = pattern(
    r"(?:^|(?<=[\s,;(]))(?P<num>\d+(?:\.\d+)?)(?P<unit>\s*(?:minutes?|mins?|hours?|hrs?)|[hm])"
    r"(?:\s*(?P<rest>\d{1,2})\s*(?:minutes?|mins?|m)?)?\b"
)
_NOT_BEFORE_BARE = pattern(
    r"(?:\bin|\bwithin|\bevery|\bbefore|\bafter|\bearlier|\bat|\bby|\bsnooze|\bpush|\bdelay"
    r"|\blater|\bfor)\s*$"
)


@dataclass(frozen=True)
class DurationPhrase:
    minutes: int
    span: Span


def find_duration(text: str, *, bare: bool = True) -> DurationPhrase | None:
    """The first duration phrase; a bare amount only when `bare` (new tasks)."""
    m = _DURATION_LEAD.search(text)
    if m is None and bare:
        for candidate in _BARE.finditer(text):
            if not _NOT_BEFORE_BARE.search(text[: candidate.start()]) and not _followed_by_offset(
                text[candidate.end() :]
            ):
                m = candidate
                break
    if m is None:
        return None
    minutes = _minutes(m)
    if minutes is None or not 1 <= minutes <= MAX_MINUTES:
        return None
    return DurationPhrase(minutes, (m.start(), m.end()))


_OFFSET_AFTER = pattern(r"^\s*(?:before|early|earlier|ahead|later|from\s+now|prior|after)\b")


def _followed_by_offset(after: str) -> bool:
    return _OFFSET_AFTER.match(after) is not None


def _minutes(m: re.Match[str]) -> int | None:
    words = m.groupdict()
    if words.get("halfhour"):
        return 30
    if words.get("hourhalf"):
        return 90
    if words.get("anhour"):
        return 60
    if words.get("quarter"):
        return 15
    amount = number_value(m.group("num") or "")
    if amount is None:
        return None
    unit = (m.group("unit") or "").strip().lower()
    minutes = amount * 60 if unit.startswith("h") else amount
    if m.group("rest"):
        if not unit.startswith("h"):
            return None
        minutes += int(m.group("rest"))
    return round(minutes)
