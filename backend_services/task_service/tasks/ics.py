"""RFC 5545 text for the calendar feed: content lines, escaping, folding, time zones.

Nothing here reads a database: `calendar_feed.py` turns tasks into `FeedEvent`s and
`render_calendar` writes them. The output keeps to what calendar apps accept:

- CRLF line ends, lines folded at 75 octets (never inside a UTF-8 sequence), TEXT values
  escaped (backslash, `;`, `,`, newlines) and stripped of other control characters;
- a timed event is stated in its zone (`DTSTART;TZID=Europe/Berlin:...`) with a VTIMEZONE
  for each zone used (its transitions from the zone database over the span of the events,
  so apps that do not know IANA names still place it right; those that do use their own);
- a date-only event (a deadline) is all-day (`VALUE=DATE`, DTEND the next day);
- repetition is the task's own RRULE (UNTIL rewritten to UTC, as RFC 5545 requires with a
  TZID start); reminders are VALARMs whose TRIGGER is relative to the start (the due time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

PRODID = "-//todo-assistant//calendar feed//EN"
MAX_LINE_OCTETS = 75
CRLF = "\r\n"


@dataclass(frozen=True)
class FeedAlarm:
    """A reminder: `before` the start (negative: after it), or at an absolute UTC time."""

    before: timedelta | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    summary: str
    stamp: datetime  # DTSTAMP and LAST-MODIFIED (UTC): the task's last change
    created: datetime | None = None
    description: str | None = None
    categories: tuple[str, ...] = ()
    start: datetime | None = None  # aware; stated in `zone`
    zone: str = "UTC"
    all_day: date | None = None  # a date-only event instead of `start`
    duration: timedelta | None = None
    rrule: str | None = None
    alarms: tuple[FeedAlarm, ...] = ()
    transparent: bool = False


@dataclass
class Calendar:
    name: str
    zone: str
    events: list[FeedEvent] = field(default_factory=list)
    refresh: timedelta = timedelta(hours=1)


# -- values ---------------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): `\\`, `;`, `,` and newlines escaped; any other control
    character (CR, tab, ...) becomes a space."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(" " if _control(ch) else ch for ch in value)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _control(ch: str) -> bool:
    return (ord(ch) < 0x20 and ch != "\n") or ord(ch) == 0x7F


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def local_stamp(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y%m%dT%H%M%S")


def date_stamp(day: date) -> str:
    return day.strftime("%Y%m%d")


def duration_value(span: timedelta) -> str:
    """A DURATION value (RFC 5545 3.3.6) such as `PT30M`, `-PT1H`, `-P1DT2H`, `PT0S`."""
    seconds = int(span.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}P"
    if days:
        text += f"{days}D"
    if hours or minutes or secs or not days:
        text += "T"
        if hours:
            text += f"{hours}H"
        if minutes:
            text += f"{minutes}M"
        if secs or not (hours or minutes):
            text += f"{secs}S"
    return text


def fold(line: str) -> str:
    """One content line folded at 75 octets: each continuation starts with a space, and no
    UTF-8 sequence is split."""
    out: list[str] = []
    current: list[str] = []
    size, limit = 0, MAX_LINE_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            out.append("".join(current))
            current, size, limit = [" "], 1, MAX_LINE_OCTETS
        current.append(ch)
        size += width
    out.append("".join(current))
    return CRLF.join(out)


def feed_rrule(rule: str, zone: str) -> str:
    """The stored rule as an RRULE value for a start stated with TZID: an UNTIL is the local
    end of that day (date form) or a local time (the task's rules are evaluated on local
    wall-clock time); RFC 5545 wants it in UTC, so it is converted."""
    rule = rule.strip().upper().removeprefix("RRULE:")
    parts = []
    for part in rule.split(";"):
        key, _, value = part.partition("=")
        if key == "UNTIL" and value:
            parts.append(f"UNTIL={_until_utc(value, zone)}")
        elif part:
            parts.append(part)
    return ";".join(parts)


def _until_utc(value: str, zone: str) -> str:
    tz = ZoneInfo(zone)
    digits = value.rstrip("Z")
    if len(digits) == 8:
        local = datetime.strptime(digits, "%Y%m%d").replace(hour=23, minute=59, second=59)
    else:
        local = datetime.strptime(digits, "%Y%m%dT%H%M%S")
    return utc_stamp(local.replace(tzinfo=tz))


# -- time zones -----------------------------------------------------------------------------


def zone_transitions(zone: str, first: datetime, last: datetime) -> list[tuple[datetime, int, int]]:
    """(UTC instant, offset before, offset after) of each change of `zone`'s UTC offset
    between `first` and `last` (seconds), found day by day and then to the minute."""
    tz = ZoneInfo(zone)

    def offset(at: datetime) -> int:
        delta = at.astimezone(tz).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    found: list[tuple[datetime, int, int]] = []
    step = timedelta(days=1)
    cursor, before = first, offset(first)
    while cursor < last:
        after_step = cursor + step
        now = offset(after_step)
        if now != before:
            low, high = cursor, after_step  # offset(low) == before, offset(high) != before
            while high - low > timedelta(minutes=1):
                mid = low + (high - low) / 2
                if offset(mid) == before:
                    low = mid
                else:
                    high = mid
            at = high.replace(second=0, microsecond=0)
            if offset(at) == before:
                at += timedelta(minutes=1)
            found.append((at, before, now))
            before = now
        cursor = after_step
    return found


def offset_value(seconds: int) -> str:
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def vtimezone(zone: str, first: datetime, last: datetime) -> list[str]:
    """A VTIMEZONE for `zone` valid from `first` to `last`: its offset at `first`, then one
    observance per transition (STANDARD or DAYLIGHT by whether the zone's DST is on)."""
    tz = ZoneInfo(zone)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone}"]

    def observance(at: datetime, before: int, after: int) -> list[str]:
        local = at.astimezone(tz)
        dst = local.dst()
        kind = "DAYLIGHT" if dst else "STANDARD"
        start = (at + timedelta(seconds=before)).replace(tzinfo=None)  # local, old offset
        name = local.tzname() or offset_value(after)
        return [
            f"BEGIN:{kind}",
            f"DTSTART:{start:%Y%m%dT%H%M%S}",
            f"TZOFFSETFROM:{offset_value(before)}",
            f"TZOFFSETTO:{offset_value(after)}",
            f"TZNAME:{escape_text(name)}",
            f"END:{kind}",
        ]

    initial = first.astimezone(tz).utcoffset()
    initial_seconds = int(initial.total_seconds()) if initial is not None else 0
    lines += observance(first, initial_seconds, initial_seconds)
    for at, before, after in zone_transitions(zone, first, last):
        lines += observance(at, before, after)
    lines.append("END:VTIMEZONE")
    return lines


# -- the calendar -----------------------------------------------------------------------------


def event_lines(event: FeedEvent) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{utc_stamp(event.stamp)}",
        f"LAST-MODIFIED:{utc_stamp(event.stamp)}",
    ]
    if event.created is not None:
        lines.append(f"CREATED:{utc_stamp(event.created)}")
    lines.append(f"SUMMARY:{escape_text(event.summary)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
    if event.all_day is not None:
        lines.append(f"DTSTART;VALUE=DATE:{date_stamp(event.all_day)}")
        lines.append(f"DTEND;VALUE=DATE:{date_stamp(event.all_day + timedelta(days=1))}")
    elif event.start is not None:
        if event.zone == "UTC":
            lines.append(f"DTSTART:{utc_stamp(event.start)}")
        else:
            lines.append(f"DTSTART;TZID={event.zone}:{local_stamp(event.start, event.zone)}")
        if event.duration:
            lines.append(f"DURATION:{duration_value(event.duration)}")
    if event.rrule:
        lines.append(f"RRULE:{feed_rrule(event.rrule, event.zone)}")
    lines.append("TRANSP:TRANSPARENT" if event.transparent else "TRANSP:OPAQUE")
    for alarm in event.alarms:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{escape_text(event.summary)}"]
        if alarm.before is not None:
            lines.append(f"TRIGGER:{duration_value(-alarm.before)}")
        elif alarm.at is not None:
            lines.append(f"TRIGGER;VALUE=DATE-TIME:{utc_stamp(alarm.at)}")
        lines.append("END:VALARM")
    lines.append("END:VEVENT")
    return lines


def render_calendar(calendar: Calendar, *, now: datetime) -> str:
    """The whole feed as RFC 5545 text (CRLF, folded)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(calendar.name)}",
        f"X-WR-TIMEZONE:{calendar.zone}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{duration_value(calendar.refresh)}",
        f"X-PUBLISHED-TTL:{duration_value(calendar.refresh)}",
    ]
    for zone, (first, last) in sorted(_zone_spans(calendar.events, now).items()):
        lines += vtimezone(zone, first, last)
    for event in calendar.events:
        lines += event_lines(event)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def _zone_spans(events: Iterable[FeedEvent], now: datetime) -> dict[str, tuple[datetime, datetime]]:
    """Per zone used by a timed event: from a year before its earliest start (at most 20
    years back) to ten years after the later of now and its latest start (a repeating event
    runs on), at most 30 years ahead: beyond the span the last observance holds."""
    spans: dict[str, tuple[datetime, datetime]] = {}
    for event in events:
        if event.start is None or event.all_day is not None or event.zone == "UTC":
            continue
        first, last = spans.get(event.zone, (event.start, event.start))
        spans[event.zone] = (min(first, event.start), max(last, event.start))
    return {
        zone: (
            _jan1(max(first.year - 1, now.year - 20)),
            _jan1(min(max(last.year, now.year) + 11, now.year + 30)),
        )
        for zone, (first, last) in spans.items()
    }


def _jan1(year: int) -> datetime:
    return datetime(max(year, 1900), 1, 1, tzinfo=UTC)
