"""Reminders relative to the due date, in words ("the day before", "30 min before").

Signature (stable; the parser wires it in)::

    find_reminder_offset(text: str) -> ReminderOffset | None

    @dataclass(frozen=True)
    class ReminderOffset:
        before: relativedelta      # how long BEFORE the due time (never negative)
        at: datetime.time | None   # a fixed local time of day for the reminder, or None
        span: tuple[int, int]      # where the phrase is in ``text`` (to cut it from the title)

    ReminderOffset.reminder_for(due: datetime) -> datetime   # the reminder's instant

Resolution rules (documented decisions):
- "<amount> <unit> before|earlier|ahead|prior|in advance|beforehand|early" ("30 min before",
  "an hour ahead", "2 days earlier", "a week in advance"): ``before`` is that amount, ``at``
  is None (the reminder keeps the due time of day, minus the amount);
- "the day before" / "a day before" / "the previous day": one day, ``at`` None (same time of
  day, a day earlier);
- a part of the day before: "the night before" is the day before at 20:00, "the evening
  before" 18:00, "the morning before" 09:00, "the afternoon before" 15:00 ("the previous
  evening" alike);
- "the morning of" / "on the day" / "that morning": the due day itself (``before`` zero) at
  09:00 ("on the day" keeps 09:00 too);
- an explicit time after the phrase wins over the part of the day: "the day before at 6pm",
  "2 days before at 9" (a bare hour 1..7 means pm, as in dates.py);
- optional tails such as "it's due", "the deadline", "the due date", "hand" belong to the
  phrase ("an hour before it's due").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from agent.nlp.text import DURATION_RE, Span, duration_from_match
from agent.nlp.vocab import DAYPART_TIMES

_I = re.IGNORECASE

_BEFORE_WORD = r"(?:before|earlier|ahead|prior|in\s+advance|beforehand|early|in\s+front)"
_TAIL = (
    r"(?:\s+(?:(?:of|to)\s+)?(?:it(?:'s|\s+is)?(?:\s+due)?|the\s+(?:due\s+(?:date|time)|deadline"
    r"|start|event|appointment|task)|that|then|due\s+(?:date|time)|hand|of\s+time))?"
)
_CLOCK = (
    r"(?:\s*,?\s*(?:at|@|around)\s*(?P<h>\d{1,2})(?:[:.](?P<mi>\d{2}))?\s*"
    r"(?P<ap>am|pm|a\.m\.?|p\.m\.?)?(?![\d:]))?"
)
_PART = r"(?P<part>morning|afternoon|evening|night)"

_AMOUNT_BEFORE = re.compile(rf"\b(?P<dur>{DURATION_RE})\s+{_BEFORE_WORD}\b{_TAIL}{_CLOCK}", _I)
_DAY_BEFORE = re.compile(
    rf"\b(?:(?:the|a|one)\s+(?:(?P<unit>day|week)|{_PART})\s+(?:before|prior|earlier)\b{_TAIL}"
    rf"|the\s+previous\s+(?:(?P<unit2>day|week)|(?P<part3>morning|afternoon|evening|night))\b)"
    rf"{_CLOCK}",
    _I,
)
_SAME_DAY = re.compile(
    rf"\b(?:(?:the|that)\s+(?P<part2>morning|afternoon|evening)(?:\s+of(?:\s+the\s+day)?)?"
    rf"(?!\s+(?:before|prior|earlier))|on\s+the\s+(?:day|morning)(?:\s+itself|\s+of)?)\b{_CLOCK}",
    _I,
)


@dataclass(frozen=True)
class ReminderOffset:
    """A reminder set relative to the due time (see the module docstring)."""

    before: relativedelta
    at: time | None
    span: Span

    def reminder_for(self, due: datetime) -> datetime:
        """The reminder's instant for a task due at ``due`` (aware; its zone is the user's).

        Whole days and longer move the local calendar date; hours and minutes are exact
        durations (computed through UTC, so DST-safe)."""
        b = self.before
        calendar = relativedelta(years=b.years, months=b.months, days=b.days)
        clock = timedelta(hours=b.hours, minutes=b.minutes)
        local = due.replace(tzinfo=None) - calendar
        if self.at is not None:
            local = datetime.combine(local.date(), self.at)
        moved = local.replace(tzinfo=due.tzinfo)
        tz = due.tzinfo
        return (moved.astimezone(UTC) - clock).astimezone(tz)


def _clock(m: re.Match[str], part: str = "") -> time | None:
    """The time after the phrase; a bare hour is pm from 1 to 7, or as the part of the day
    says ("the night before at 9" is 21:00, "the morning before at 7" 07:00)."""
    h = m.group("h")
    if h is None:
        return None
    hour, minute, ap = int(h), int(m.group("mi") or 0), m.group("ap")
    if ap:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ap.lower().startswith("p") else 0)
    elif part:
        if part in ("afternoon", "evening", "night") and hour < 12:
            hour += 12
    elif 1 <= hour <= 7:
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def find_reminder_offset(text: str) -> ReminderOffset | None:
    """The first reminder-offset phrase in ``text`` (see the module docstring), or None."""
    found: list[ReminderOffset] = []
    m = _AMOUNT_BEFORE.search(text)
    if m:
        dm = re.match(DURATION_RE, m.group("dur"), _I)
        delta = duration_from_match(dm) if dm else None
        if delta is not None:
            found.append(ReminderOffset(delta, _clock(m), (m.start(), m.end())))
    m = _DAY_BEFORE.search(text)
    if m:
        unit = (m.group("unit") or m.group("unit2") or "").lower()
        part = (m.group("part") or m.group("part3") or "").lower()
        before = relativedelta(weeks=1) if unit == "week" else relativedelta(days=1)
        at = _clock(m, part) or (DAYPART_TIMES[part] if part else None)
        found.append(ReminderOffset(before, at, (m.start(), m.end())))
    m = _SAME_DAY.search(text)
    if m:
        part = (m.group("part2") or "morning").lower()
        at = _clock(m, part) or DAYPART_TIMES[part]
        found.append(ReminderOffset(relativedelta(), at, (m.start(), m.end())))
    if not found:
        return None
    return min(found, key=lambda o: o.span[0])
