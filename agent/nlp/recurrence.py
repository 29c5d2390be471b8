"""Recurrence phrases -> RFC 5545 RRULE values, and the first occurrence after now.

The RRULE carries no DTSTART and no BYHOUR: the time of day lives in the task's
``due_at``, which is always the first occurrence strictly after ``now``. Occurrences are
computed on naive local wall-clock times and then localised, so "9am" stays 9am across
DST changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from dateutil.rrule import rrulestr

from agent.nlp.dates import (
    DAYPART_TIMES,
    DEFAULT_TIME,
    MONTH_RE,
    WEEKDAYS,
    localize,
)
from agent.nlp.text import NUMBER_WORDS, Span

_I = re.IGNORECASE
_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)"
)
_DAY_S = rf"{_DAY}s?\.?"
_DAYLIST = rf"{_DAY_S}(?:\s*(?:,\s*and|,|and|&|\+|/|or)\s*{_DAY_S})*"
_PLURAL_DAY = r"(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)"
_PLURAL_DAYLIST = rf"{_PLURAL_DAY}(?:\s*(?:,\s*and|,|and|&|\+|/|or)\s*{_PLURAL_DAY})*"
_ORDWORDS: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "last": -1,
}
_ORD = r"(?:\d{1,2}(?:st|nd|rd|th)?|first|second|third|fourth|fifth|last)"
_INTERVAL_WORDS = "|".join(w for w in NUMBER_WORDS if " " not in w and w not in ("a", "an"))
_INTERVAL = rf"(?:other|\d+|{_INTERVAL_WORDS})"
_UNIT = r"(?:day|week|month|year|hour)s?"
_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MDAY = rf"(?P<mon>{MONTH_RE})\.?\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)"
_DMON = rf"(?:the\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon2>{MONTH_RE})\b"


@dataclass
class RecurrenceSpec:
    freq: str
    interval: int = 1
    byday: list[str] = field(default_factory=list)
    bymonthday: int | None = None
    bymonth: int | None = None
    default_time: time | None = None
    span: Span = (0, 0)

    def rrule(self) -> str:
        parts = [f"FREQ={self.freq}"]
        if self.interval > 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.bymonth is not None:
            parts.append(f"BYMONTH={self.bymonth}")
        if self.bymonthday is not None:
            parts.append(f"BYMONTHDAY={self.bymonthday}")
        if self.byday:
            parts.append("BYDAY=" + ",".join(self.byday))
        return ";".join(parts)


def _days(text: str) -> list[str]:
    found: list[int] = []
    for tok in re.findall(_DAY, text, flags=_I):
        idx = WEEKDAYS[tok.lower().rstrip(".")]
        if idx not in found:
            found.append(idx)
    return [_CODES[i] for i in sorted(found)]


def _ordinal(tok: str) -> int | None:
    t = tok.lower()
    if t in _ORDWORDS:
        return _ORDWORDS[t]
    m = re.match(r"\d+", t)
    if m and 1 <= int(m.group(0)) <= 31:
        return int(m.group(0))
    return None


def _interval(tok: str | None) -> int:
    if not tok:
        return 1
    t = tok.lower()
    if t == "other":
        return 2
    if t.isdigit():
        return max(1, int(t))
    return NUMBER_WORDS.get(t, 1)


def _month(tok: str) -> int:
    return _MONTHS[tok.lower()[:3]]


def _rx(p: str) -> re.Pattern[str]:
    return re.compile(p, _I)


_MONTHLY_DOM = [
    _rx(rf"\b(?:on\s+)?(?:the\s+)?(?P<o>{_ORD})(?:\s+day)?\s+of\s+(?:every|each)\s+month\b"),
    _rx(rf"\b(?:every|each)\s+month\s+on\s+the\s+(?P<o>{_ORD})(?:\s+day)?\b"),
    _rx(rf"\bmonthly\s+on\s+the\s+(?P<o>{_ORD})(?:\s+day)?\b"),
    _rx(rf"\b(?:on\s+)?the\s+(?P<o>{_ORD})(?:\s+day)?\s+monthly\b"),
    _rx(rf"\b(?:every|each)\s+(?P<o>{_ORD})\s+(?:day\s+)?of\s+(?:the|every|each)\s+month\b"),
]
_MONTHLY_NTH_DAY = _rx(
    rf"\b(?:every|each|on\s+the|the)\s+(?P<o>first|second|third|fourth|last|1st|2nd|3rd|4th)"
    rf"\s+(?P<day>{_DAY})\s+of\s+(?:every|each|the)\s+month\b"
)
_YEARLY_DATE = [
    _rx(rf"\b(?:every|each)\s+year\s+on\s+(?:{_MDAY}|{_DMON})"),
    _rx(rf"\b(?:yearly|annually)\s+on\s+(?:{_MDAY}|{_DMON})"),
    _rx(rf"\b(?:on\s+)?(?:{_MDAY}|{_DMON})\s+(?:every|each)\s+year\b"),
    _rx(rf"\b(?:every|each)\s+(?:{_MDAY}|{_DMON})"),
]
_INTERVAL_RE = _rx(
    rf"\b(?:every|each)\s+(?P<n>{_INTERVAL})\s+(?P<unit>{_UNIT})\b"
    rf"(?:\s+on\s+(?P<days>{_DAYLIST})|\s+on\s+the\s+(?P<o>{_ORD})\b)?"
)
_EVERY_UNIT_RE = _rx(
    rf"\b(?:every|each)\s+(?P<unit>day|week|month|year|hour|weekday|weekend|morning|afternoon"
    rf"|evening|night)\b(?:\s+on\s+(?P<days>{_DAYLIST})|\s+on\s+the\s+(?P<o>{_ORD})\b)?"
)
_EVERY_DAYS_RE = _rx(
    rf"\b(?:every|each)\s+(?P<days>{_DAYLIST})\b"
    r"(?:\s+(?:in\s+the\s+)?(?P<part>morning|afternoon|evening|night))?"
)
_ADVERB_RE = _rx(
    rf"\b(?P<adv>daily|weekly|monthly|yearly|annually|hourly|fortnightly|biweekly|nightly)\b"
    rf"(?:\s+on\s+(?P<days>{_DAYLIST})|\s+on\s+the\s+(?P<o>{_ORD})\b)?"
)
_WEEKDAYS_PLURAL_RE = _rx(r"\b(?:on\s+)?(?P<w>weekdays|weekends)\b")
_PLURAL_DAYS_RE = _rx(rf"\b(?:on\s+)?(?P<days>{_PLURAL_DAYLIST})\b")

_UNIT_FREQ = {
    "day": "DAILY",
    "week": "WEEKLY",
    "month": "MONTHLY",
    "year": "YEARLY",
    "hour": "HOURLY",
}
_ADV_FREQ = {
    "daily": "DAILY",
    "nightly": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "yearly": "YEARLY",
    "annually": "YEARLY",
    "hourly": "HOURLY",
}


def _with_on(spec: RecurrenceSpec, m: re.Match[str]) -> RecurrenceSpec:
    groups = m.groupdict()
    if groups.get("days"):
        days = _days(groups["days"])
        if spec.freq in ("DAILY", "WEEKLY"):
            spec.freq = "WEEKLY"
            spec.byday = days
    if groups.get("o"):
        o = _ordinal(groups["o"])
        if o is not None:
            spec.freq = "MONTHLY"
            spec.bymonthday = o
    return spec


def _match_spec(text: str) -> tuple[RecurrenceSpec, re.Match[str]] | None:
    for rx in _MONTHLY_DOM:
        m = rx.search(text)
        if m and (o := _ordinal(m.group("o"))) is not None:
            return RecurrenceSpec("MONTHLY", bymonthday=o), m
    m = _MONTHLY_NTH_DAY.search(text)
    if m and (o := _ordinal(m.group("o"))) is not None:
        code = _days(m.group("day"))[0]
        return RecurrenceSpec("MONTHLY", byday=[f"{o}{code}"]), m
    for rx in _YEARLY_DATE:
        m = rx.search(text)
        if m:
            mon = m.group("mon") or m.group("mon2")
            day = int(m.group("d") or m.group("d2"))
            try:
                date(2000, _month(mon), day)
            except ValueError:
                continue
            return RecurrenceSpec("YEARLY", bymonth=_month(mon), bymonthday=day), m
    m = _INTERVAL_RE.search(text)
    if m:
        unit = m.group("unit").lower().rstrip("s")
        spec = RecurrenceSpec(_UNIT_FREQ[unit], interval=_interval(m.group("n")))
        return _with_on(spec, m), m
    m = _EVERY_UNIT_RE.search(text)
    if m:
        unit = m.group("unit").lower()
        if unit == "weekday":
            return RecurrenceSpec("WEEKLY", byday=list(_CODES[:5])), m
        if unit == "weekend":
            return RecurrenceSpec("WEEKLY", byday=["SA", "SU"]), m
        if unit in DAYPART_TIMES:
            return RecurrenceSpec("DAILY", default_time=DAYPART_TIMES[unit]), m
        return _with_on(RecurrenceSpec(_UNIT_FREQ[unit]), m), m
    m = _EVERY_DAYS_RE.search(text)
    if m:
        part = m.group("part")
        soft = DAYPART_TIMES[part.lower()] if part else None
        return RecurrenceSpec("WEEKLY", byday=_days(m.group("days")), default_time=soft), m
    m = _ADVERB_RE.search(text)
    if m:
        adv = m.group("adv").lower()
        if adv in ("fortnightly", "biweekly"):
            spec = RecurrenceSpec("WEEKLY", interval=2)
        else:
            spec = RecurrenceSpec(_ADV_FREQ[adv])
            if adv == "nightly":
                spec.default_time = DAYPART_TIMES["night"]
        return _with_on(spec, m), m
    m = _WEEKDAYS_PLURAL_RE.search(text)
    if m:
        days = list(_CODES[:5]) if m.group("w").lower() == "weekdays" else ["SA", "SU"]
        return RecurrenceSpec("WEEKLY", byday=days), m
    m = _PLURAL_DAYS_RE.search(text)
    if m:
        return RecurrenceSpec("WEEKLY", byday=_days(m.group("days"))), m
    return None


def find_recurrence(text: str) -> RecurrenceSpec | None:
    """Find the first recurrence phrase in ``text`` (span included in the result)."""
    found = _match_spec(text)
    if found is None:
        return None
    spec, m = found
    spec.span = (m.start(), m.end())
    return spec


def first_occurrence(
    spec: RecurrenceSpec,
    now: datetime,
    at: time | None = None,
    not_before: date | None = None,
) -> datetime:
    """First occurrence strictly after ``now`` (and on/after ``not_before``), aware in now's zone.

    ``INTERVAL`` is ignored for the first occurrence (the coming matching day is used), and
    a rule without BY-parts starts today if ``at`` is still ahead, else tomorrow.
    """
    tod = at or spec.default_time or DEFAULT_TIME
    start_day = max(now.date(), not_before) if not_before else now.date()
    if spec.freq == "HOURLY":
        base = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        if not_before and base.date() < not_before:
            return localize(datetime.combine(not_before, tod), now)
        return base
    single = replace(spec, interval=1)
    if not (single.byday or single.bymonthday or single.bymonth):
        single = replace(single, freq="DAILY")
    rule = rrulestr(single.rrule(), dtstart=datetime.combine(start_day, tod))
    for naive in rule:
        aware = localize(naive, now)
        if aware > now:
            return aware
    raise ValueError("recurrence has no future occurrence")  # pragma: no cover
