"""RRULE handling: validation and the next occurrence in the task's local wall-clock time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

MAX_RULE_LENGTH = 500


def validate_rrule(value: str) -> str:
    rule = value.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    if not rule or len(rule) > MAX_RULE_LENGTH or "DTSTART" in rule.upper():
        raise ValueError("recurrence must be an RRULE such as FREQ=WEEKLY;BYDAY=MO")
    try:
        parsed = rrulestr(rule, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid RRULE: {exc}") from exc
    if not isinstance(parsed, rrule):
        raise ValueError("recurrence must be a single RRULE")
    return rule.upper()


def next_occurrence(rule: str, series_start: datetime, after: datetime, tz: str) -> datetime | None:
    """The first instance strictly after `after`, computed on local wall-clock time so that
    09:00 stays 09:00 across DST changes; None when COUNT/UNTIL ended the series."""
    zone = ZoneInfo(tz)
    start_local = series_start.astimezone(zone).replace(tzinfo=None)
    after_local = after.astimezone(zone).replace(tzinfo=None)
    parsed = rrulestr(rule, dtstart=start_local, ignoretz=True)
    found = parsed.after(after_local, inc=False)
    if found is None:
        return None
    return found.replace(tzinfo=zone)
