"""Date/time phrase extraction.

Candidate phrases are found with explicit regexes (so words such as "me", "may" or
"march" inside a title are never taken for dates), relative phrases are resolved
here, and absolute calendar dates ("Dec 3", "12/03", "3rd of March") are validated
and parsed with ``dateparser``.

Resolution rules (documented decisions):
- a date without a time of day gets 09:00 local (``DEFAULT_TIME``); "morning" 09:00,
  "afternoon" 15:00, "evening" 18:00, "tonight"/"night" 20:00, "end of day" 17:00;
  if that makes a *today* date already past, 23:59 today is used instead;
- a bare weekday ("friday", "by fri", "this friday") is the coming one; today counts only
  if the resulting time is still ahead, otherwise it is a week later. "next friday"
  is the coming friday too, but never today;
- a time without a date is today if still ahead, else tomorrow;
- "in N minutes/hours" is an exact instant (computed in UTC, so DST-safe);
  "in N days/weeks/months" is a date (default time applies);
- a bare hour without am/pm ("at 6") between 1 and 7 means pm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser
from dateutil.relativedelta import relativedelta

from agent.nlp.errors import TOO_FAR, PhraseError
from agent.nlp.text import (
    DURATION_RE,
    Span,
    duration_from_match,
    extend_left_over_connectors,
    mask,
    quoted_spans,
)
from agent.nlp.timezones import resolve_timezone

DEFAULT_TIME = time(9, 0)
LAST_YEAR = 9000  # the task API refuses dates from then on (platform.inputs.LATEST)
END_OF_DAY = time(23, 59)
DAYPART_TIMES: dict[str, time] = {
    "morning": time(9, 0),
    "afternoon": time(15, 0),
    "evening": time(18, 0),
    "night": time(20, 0),
    "tonight": time(20, 0),
}

WEEKDAYS: dict[str, int] = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
FULL_DAY_RE = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
ABBR_DAY_RE = r"mon|tues?|wed|thu(?:rs?)?|fri|sat|sun"
MONTH_RE = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
ORD_SUFFIX = r"(?:st|nd|rd|th)"
_DAYPART = r"(?:morning|afternoon|evening|night)"
_NOT_TIME_AFTER = r"(?!\s*(?::\d|am\b|pm\b|a\.m|p\.m|o'?clock))"

_I = re.IGNORECASE


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _I)


# --- date candidates (first matching category wins; order matters) -------------------
_OFFSET_RE = _rx(rf"\bin\s+(?:the\s+next\s+)?{DURATION_RE}")
_FROM_NOW_RE = _rx(rf"\b{DURATION_RE}\s+from\s+(?:now|today)\b")
_ISO_RE = _rx(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b(?:[tT ](\d{1,2}):(\d{2}))?")
_NUMERIC_RE = _rx(r"(?<![\d/])\b(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?\b(?![\d/])")
_MONTH_DAY_RE = _rx(
    rf"\b(?:{MONTH_RE})\.?\s+(?:the\s+)?\d{{1,2}}{ORD_SUFFIX}?\b{_NOT_TIME_AFTER}(?:,?\s+\d{{4}}\b)?"
)
_DAY_MONTH_RE = _rx(
    rf"\b(?:the\s+)?\d{{1,2}}{ORD_SUFFIX}?\s+(?:of\s+)?(?:{MONTH_RE})\b\.?(?:,?\s+\d{{4}}\b)?"
)
_RELDAY_RE = _rx(
    rf"\b(?:(?P<dat>(?:the\s+)?day\s+after\s+tomorrow)|(?P<today>today)|(?P<tonight>tonight)"
    rf"|(?P<tomorrow>tomorrow|tmrw|tmr|tomorow|2morrow))\b(?:\s+(?:at\s+)?(?P<part>{_DAYPART}))?"
)
_THIS_PART_RE = _rx(rf"\bthis\s+(?P<part>{_DAYPART})\b")
_WEEKDAY_RE = _rx(
    rf"\b(?:(?P<mod>this|next|coming|this\s+coming)\s+)?(?P<day>{FULL_DAY_RE})\b"
    rf"(?:\s+(?P<part>{_DAYPART}))?"
)
_ABBR_WEEKDAY_RE = _rx(
    rf"\b(?:(?P<mod>this|next|coming|on|by|due|until|till|before)\s+)(?P<day>{ABBR_DAY_RE})\b\.?"
    rf"(?:\s+(?P<part>{_DAYPART}))?"
)
_NEXT_PERIOD_RE = _rx(
    r"\b(?P<which>next\s+week|this\s+weekend|next\s+weekend|the\s+weekend|next\s+month"
    r"|end\s+of\s+(?:the\s+)?week|end\s+of\s+(?:the\s+)?month)\b"
)
_MONTHDAY_ONLY_RE = _rx(rf"\b(?:on|by|due|before|until)\s+the\s+(\d{{1,2}}){ORD_SUFFIX}\b")

# --- time candidates -------------------------------------------------------------------
_TIME_AMPM_RE = _rx(r"\b(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.?|p\.m\.?)(?![a-z])")
_TIME_24_RE = _rx(r"(?<![\d:/.-])\b([01]?\d|2[0-3]):([0-5]\d)\b(?![:\d])")
_TIME_AT_RE = _rx(
    r"(?:\b(?:at|around|by)|@)\s*(\d{1,2})(?:\s*o'?clock)?\b"
    r"(?!\s*(?:%|/|-|\.\d|st\b|nd\b|rd\b|th\b|minutes?|mins?|hours?|hrs?|days?|weeks?|people|pm|am))"
)
_TIME_WORD_RE = _rx(r"\b(?:at\s+)?(noon|midday|midnight|eod|end\s+of\s+(?:the\s+)?day|cob)\b")
_DAYPART_RE = _rx(r"\b(?:in\s+the\s+(?P<p1>morning|afternoon|evening)|at\s+(?P<p2>night))\b")


@dataclass
class DateParse:
    """Result of scanning a message for a date/time phrase."""

    when: datetime | None = None
    spans: list[Span] = field(default_factory=list)
    date_part: date | None = None
    time_part: time | None = None
    soft_time: time | None = None
    exact: bool = False
    zone: ZoneInfo | None = None  # named right after the time ("9am Berlin time")

    @property
    def found(self) -> bool:
        return bool(self.spans)


@dataclass
class _Scan:
    text: str
    extra_connectors: tuple[str, ...]
    spans: list[Span] = field(default_factory=list)

    def take(self, m: re.Match[str]) -> None:
        start = extend_left_over_connectors(self.text, m.start(), self.extra_connectors)
        self.spans.append((start, m.end()))
        chars = list(self.text)
        for i in range(start, m.end()):
            chars[i] = "\x00"
        self.text = "".join(chars)


def tz_name(now: datetime) -> str:
    key = getattr(now.tzinfo, "key", None)
    return key if isinstance(key, str) else "UTC"


def localize(naive: datetime, now: datetime) -> datetime:
    """Attach the user's zone to a local wall-clock time, normalising DST gaps."""
    aware = naive.replace(tzinfo=now.tzinfo)
    return aware.astimezone(UTC).astimezone(now.tzinfo)


def _dateparser_date(phrase: str, now: datetime) -> date | None:
    settings = {
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "TIMEZONE": tz_name(now),
        "DATE_ORDER": "MDY",
        "REQUIRE_PARTS": ["day", "month"],
    }
    cleaned = re.sub(r"\bthe\b|\bof\b", " ", phrase, flags=_I)
    parsed = dateparser.parse(cleaned, languages=["en"], settings=settings)  # type: ignore[arg-type]
    return parsed.date() if parsed else None


def _next_on_or_after(month: int, day: int, today: date) -> date | None:
    for year in (today.year, today.year + 1, today.year + 4):
        try:
            d = date(year, month, day)
        except ValueError:
            continue
        if d >= today:
            return d
    return None


def _calendar_date(phrase: str, now: datetime, has_year: bool) -> date | None:
    parsed = _dateparser_date(phrase, now)
    if parsed is None:
        return None
    return parsed if has_year else _next_on_or_after(parsed.month, parsed.day, now.date())


def _hour_minute(hour: int, minute: int, ampm: str | None) -> time | None:
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def _find_time(scan: _Scan) -> tuple[time | None, time | None]:
    """Return (explicit time, soft daypart time)."""
    m = _TIME_AMPM_RE.search(scan.text)
    if m:
        t = _hour_minute(int(m.group(1)), int(m.group(2) or 0), m.group(3))
        if t is not None:
            scan.take(m)
            return t, None
    m = _TIME_24_RE.search(scan.text)
    if m:
        scan.take(m)
        return time(int(m.group(1)), int(m.group(2))), None
    m = _TIME_WORD_RE.search(scan.text)
    if m:
        word = m.group(1).lower()
        scan.take(m)
        if word in ("noon", "midday"):
            return time(12, 0), None
        if word == "midnight":
            return END_OF_DAY, None
        return time(17, 0), None
    m = _TIME_AT_RE.search(scan.text)
    if m:
        hour = int(m.group(1))
        if 1 <= hour <= 7:
            hour += 12
        if 0 <= hour <= 23:
            scan.take(m)
            return time(hour, 0), None
    m = _DAYPART_RE.search(scan.text)
    if m:
        scan.take(m)
        return None, DAYPART_TIMES[(m.group("p1") or m.group("p2")).lower()]
    return None, None


@dataclass
class _DateSpec:
    day: date | None = None
    weekday: int | None = None
    never_today: bool = False
    soft_time: time | None = None
    offset: relativedelta | None = None


def _find_date(scan: _Scan, now: datetime) -> _DateSpec | None:
    today = now.date()
    m = _OFFSET_RE.search(scan.text) or _FROM_NOW_RE.search(scan.text)
    if m:
        delta = duration_from_match(m)
        if delta is not None:
            scan.take(m)
            if delta.days or delta.months or delta.years:
                return _DateSpec(day=_shifted(today, delta))
            return _DateSpec(offset=delta)
    m = _ISO_RE.search(scan.text)
    if m:
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            d = None
        if d is not None:
            if d.year >= LAST_YEAR:
                raise PhraseError(TOO_FAR)
            scan.take(m)
            return _DateSpec(day=d)
    for rx in (_MONTH_DAY_RE, _DAY_MONTH_RE):
        m = rx.search(scan.text)
        if m:
            d = _calendar_date(m.group(0), now, bool(re.search(r"\d{4}", m.group(0))))
            if d is not None:
                scan.take(m)
                return _DateSpec(day=d)
    m = _NUMERIC_RE.search(scan.text)
    if m:
        d = _calendar_date(m.group(0), now, m.group(3) is not None)
        if d is not None:
            scan.take(m)
            return _DateSpec(day=d)
    m = _RELDAY_RE.search(scan.text)
    if m:
        scan.take(m)
        part = m.group("part")
        soft = DAYPART_TIMES[part.lower()] if part else None
        if m.group("dat"):
            return _DateSpec(day=today + timedelta(days=2), soft_time=soft)
        if m.group("tomorrow"):
            return _DateSpec(day=today + timedelta(days=1), soft_time=soft)
        if m.group("tonight"):
            return _DateSpec(day=today, soft_time=DAYPART_TIMES["tonight"])
        return _DateSpec(day=today, soft_time=soft)
    m = _THIS_PART_RE.search(scan.text)
    if m:
        scan.take(m)
        return _DateSpec(day=today, soft_time=DAYPART_TIMES[m.group("part").lower()])
    for rx in (_WEEKDAY_RE, _ABBR_WEEKDAY_RE):
        m = rx.search(scan.text)
        if m:
            scan.take(m)
            mod = (m.group("mod") or "").lower()
            part = m.group("part")
            return _DateSpec(
                weekday=WEEKDAYS[m.group("day").lower()],
                never_today=mod == "next",
                soft_time=DAYPART_TIMES[part.lower()] if part else None,
            )
    m = _NEXT_PERIOD_RE.search(scan.text)
    if m:
        scan.take(m)
        which = re.sub(r"\s+", " ", m.group("which").lower())
        if which == "next week":
            return _DateSpec(day=today + timedelta(days=7 - today.weekday()))
        if which in ("this weekend", "the weekend"):
            return _DateSpec(weekday=5)
        if which == "next weekend":
            return _DateSpec(day=today + timedelta(days=(5 - today.weekday()) % 7 + 7))
        if which == "next month":
            return _DateSpec(day=(today + relativedelta(months=1)).replace(day=1))
        if "week" in which:
            return _DateSpec(weekday=4, soft_time=time(17, 0))
        last = today + relativedelta(day=31)
        return _DateSpec(day=last, soft_time=time(17, 0))
    m = _MONTHDAY_ONLY_RE.search(scan.text)
    if m:
        dom = int(m.group(1))
        for k in range(0, 3):
            cand = today + relativedelta(months=k)
            try:
                d = cand.replace(day=dom)
            except ValueError:
                continue
            if d >= today:
                scan.take(m)
                return _DateSpec(day=d)
    return None


def _shifted(day: date, delta: relativedelta) -> date:
    """``day`` + ``delta``, or the user's error when that leaves the calendar."""
    try:
        moved = day + delta
    except (OverflowError, ValueError) as exc:  # "in 99999999999 days", "in 8000 years"
        raise PhraseError(TOO_FAR) from exc
    if moved.year >= LAST_YEAR:
        raise PhraseError(TOO_FAR)
    return moved


def _resolve(spec: _DateSpec | None, t: time | None, soft: time | None, now: datetime) -> datetime:
    if spec is not None and spec.offset is not None:
        try:
            return (now.astimezone(UTC) + spec.offset).astimezone(now.tzinfo)
        except (OverflowError, ValueError) as exc:
            raise PhraseError(TOO_FAR) from exc
    today = now.date()
    if spec is None:  # time only
        assert t is not None or soft is not None
        tod = t or soft or DEFAULT_TIME
        cand = localize(datetime.combine(today, tod), now)
        if cand <= now:
            cand = localize(datetime.combine(today + timedelta(days=1), tod), now)
        return cand
    tod = t or spec.soft_time or soft or DEFAULT_TIME
    if spec.weekday is not None:
        delta = (spec.weekday - today.weekday()) % 7
        if delta == 0 and (spec.never_today or localize(datetime.combine(today, tod), now) <= now):
            delta = 7
        day = today + timedelta(days=delta)
    else:
        assert spec.day is not None
        day = spec.day
    result = localize(datetime.combine(day, tod), now)
    if t is None and day == today and result <= now:
        result = localize(datetime.combine(day, END_OF_DAY), now)
    return result


_ZONE_AFTER = _rx(
    r"^\s*(?:(?P<abbr>utc|gmt|[a-z]{1,3}t)\b(?!\s+time\b)"
    r"|(?:in\s+|on\s+)?(?P<place>[a-z][a-z .'-]{0,30}?)\s+time\b)"
)


def _zone_after_time(scan: _Scan) -> ZoneInfo | None:
    """A time zone named right after the time ("5pm EST", "9am London time"); its words join
    the time's span."""
    time_end = scan.spans[-1][1]
    m = _ZONE_AFTER.match(scan.text[time_end:])
    if m is None:
        return None
    key = resolve_timezone(m.group("abbr") or m.group("place"))
    if key is None:
        return None
    scan.spans[-1] = (scan.spans[-1][0], time_end + m.end())
    return ZoneInfo(key)


def extract_datetime(
    text: str, now: datetime, *, extra_connectors: tuple[str, ...] = ()
) -> DateParse:
    """Find the first date and time phrase in ``text`` and resolve it against ``now``.

    ``text`` may contain NUL characters (already-consumed spans); offsets of the returned
    spans refer to ``text``.
    """
    scan = _Scan(mask(text, quoted_spans(text)), extra_connectors)
    spec = _find_date(scan, now)
    t, soft = (None, None) if spec is not None and spec.offset is not None else _find_time(scan)
    if spec is None and t is None and soft is None:
        return DateParse()
    zone = _zone_after_time(scan) if t is not None else None
    if zone is not None:  # "at 5pm EST", "9am London time": that zone's wall clock
        when = _resolve(spec, t, soft, now.astimezone(zone)).astimezone(now.tzinfo)
    else:
        when = _resolve(spec, t, soft, now)
    return DateParse(
        when=when,
        spans=scan.spans,
        # the resolved day of any date phrase, a weekday too ("starting on monday")
        date_part=when.date() if spec is not None and spec.offset is None else None,
        time_part=t,
        soft_time=soft or (spec.soft_time if spec else None),
        exact=spec is not None and spec.offset is not None,
        zone=zone,
    )


def extract_time_of_day(text: str) -> tuple[time | None, list[Span]]:
    """Only the time-of-day part (used for recurrence phrases)."""
    scan = _Scan(text, ())
    t, soft = _find_time(scan)
    return (t or soft), scan.spans
