"""RRULE handling: validation and the next occurrence in the task's local wall-clock time.

Both are bounded. dateutil looks for the next instance period by period and stops only after
the year 9999, so a rule that matches no date (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) costs
seconds of CPU, and one that never moves (INTERVAL=0) loops forever. Therefore:

- `validate_rrule` (the API's and the agent tools' validators) refuses INTERVAL < 1, COUNT < 1,
  more than 24 instances a day (MINUTELY, SECONDLY, or BYMINUTE/BYSECOND lists), BYEASTER,
  a step longer than the horizon, and a rule with no instance within HORIZON_YEARS.
- `next_occurrence` applies the same checks to stored rules (rows may predate them) and raises
  `RecurrenceError`, never loops: it restarts the rule on the same period grid just before the
  completed occurrence (not at the series start), evaluates it in a copy of the calendar moved
  by whole 400-year Gregorian cycles (identical weekdays and leap years) so that dateutil's own
  stop at 9999 is at most HORIZON_YEARS + 400 years ahead, and examines at most MAX_STEPS
  instances.

A series ends at the date bound every stored date keeps to (`platform.inputs.LATEST`,
9000-01-01 UTC): `next_in_range` answers None, as for COUNT or UNTIL, when the next instance
would lie at or beyond it (or when the completed one already does: a row stored before the
bound was kept), so the last task is simply completed and no successor is made.
"""

from __future__ import annotations

import re
from calendar import isleap
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from backend_services.platform.inputs import LATEST

MAX_RULE_LENGTH = 500
HORIZON_YEARS = 10  # a rule must have an instance within this many years
MAX_PER_DAY = 24  # nothing finer than hourly
MAX_STEPS = 100_000  # instances examined for one next occurrence
MAX_SPAN_YEARS = 100  # from the (restarted) series start to the completed occurrence
_LAST_YEAR = 9999  # dateutil stops looking after this year
_CYCLE_YEARS = 400  # the Gregorian calendar repeats exactly every 400 years

# the largest INTERVAL that still leaves an instance within the horizon
_MAX_INTERVAL = {
    "YEARLY": HORIZON_YEARS,
    "MONTHLY": 12 * HORIZON_YEARS,
    "WEEKLY": 52 * HORIZON_YEARS,
    "DAILY": 365 * HORIZON_YEARS,
    "HOURLY": 24 * 365 * HORIZON_YEARS,
}
# without any of these, dateutil takes YEARLY/MONTHLY/WEEKLY days from DTSTART
_DATE_PARTS = ("BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY", "BYWEEKDAY", "BYEASTER")
_RULE_CHARS = re.compile(r"[A-Z0-9=;,+\-]+")
_SHAPE = "recurrence must be an RRULE such as FREQ=WEEKLY;BYDAY=MO"


class RecurrenceError(ValueError):
    """A rule that is refused, or whose next occurrence cannot be computed within the bounds."""


def validate_rrule(value: str) -> str:
    """The normalised rule, or ValueError (RecurrenceError) saying what is wrong with it."""
    rule = _normalise(value)
    parsed, _parts = _parse(rule, _probe_start(0, 0, 0), ignoretz=False)
    _check_pattern(parsed, _probe_start(0, 0, 0))
    return rule


def next_occurrence(rule: str, series_start: datetime, after: datetime, tz: str) -> datetime | None:
    """The first instance strictly after `after`, computed on local wall-clock time so that
    09:00 stays 09:00 across DST changes; None when COUNT/UNTIL ended the series.
    RecurrenceError when the rule is refused or has no next instance within the bounds."""
    zone = ZoneInfo(tz)
    start = series_start.astimezone(zone).replace(tzinfo=None)
    after_local = after.astimezone(zone).replace(tzinfo=None)
    parsed, parts = _parse(_normalise(rule), start, ignoretz=True)
    _check_pattern(parsed, _probe_start(start.hour, start.minute, start.second))
    until: datetime | None = getattr(parsed, "_until", None)  # dateutil has no public accessor
    count = int(parts["COUNT"]) if "COUNT" in parts else None
    if until is not None and until <= after_local:
        return None
    if count is None:  # COUNT counts from the series start: only then must we begin there
        parsed, start = _restart_near(parsed, parts, start, after_local)
    if after_local - start > timedelta(days=366 * MAX_SPAN_YEARS):
        raise RecurrenceError(
            f"recurrence series began more than {MAX_SPAN_YEARS} years before this occurrence"
        )
    # move everything to an identical calendar in which 9999 lies just beyond the horizon
    shift = _calendar_shift(start.year, after_local.year)
    if start.year + shift < 1:
        raise RecurrenceError("recurrence series start is out of range")
    pattern = parsed.replace(dtstart=_add_years(start, shift), count=None, until=None)
    threshold = _add_years(after_local, shift)
    for steps, shifted in enumerate(_iterate(pattern), 1):
        if count is not None and steps > count:
            return None
        if until is not None and _add_years(shifted, -shift) > until:
            return None
        if shifted > threshold:
            return _add_years(shifted, -shift).replace(tzinfo=zone)
        if steps >= MAX_STEPS:
            raise RecurrenceError(f"recurrence has over {MAX_STEPS} instances to look through")
    raise RecurrenceError(f"recurrence has no next instance within {HORIZON_YEARS} years")


def next_in_range(rule: str, series_start: datetime, after: datetime, tz: str) -> datetime | None:
    """`next_occurrence`, with the series ending at the date bound (LATEST): None when the
    next instance would lie at or after it, or when `after` already does."""
    if after >= LATEST:
        return None
    due = next_occurrence(rule, series_start, after, tz)
    return due if due is not None and due < LATEST else None


# ---------------------------------------------------------------------------------------
def _normalise(value: str) -> str:
    rule = value.strip().upper()
    if rule.startswith("RRULE:"):
        rule = rule[6:]
    if not rule or len(rule) > MAX_RULE_LENGTH or not _RULE_CHARS.fullmatch(rule):
        raise RecurrenceError(_SHAPE)
    return rule


def _parse(rule: str, dtstart: datetime, *, ignoretz: bool) -> tuple[rrule, dict[str, str]]:
    """Parse with dateutil, then refuse what cannot be evaluated within bounds."""
    try:
        parsed = rrulestr(rule, dtstart=dtstart, ignoretz=ignoretz)
    except (ValueError, OverflowError) as exc:
        raise RecurrenceError(f"invalid RRULE: {exc}") from exc
    except TypeError as exc:  # e.g. no FREQ
        raise RecurrenceError(_SHAPE) from exc
    if not isinstance(parsed, rrule):
        raise RecurrenceError("recurrence must be a single RRULE")
    parts = dict(item.split("=", 1) for item in rule.split(";") if item)
    freq = parts.get("FREQ", "")
    if freq in ("MINUTELY", "SECONDLY"):
        raise RecurrenceError(f"FREQ={freq} is not supported: at most hourly")
    if freq not in _MAX_INTERVAL:
        raise RecurrenceError(_SHAPE)
    interval = int(parts.get("INTERVAL", "1"))
    if interval < 1:
        raise RecurrenceError("INTERVAL must be at least 1")
    if interval > _MAX_INTERVAL[freq]:
        raise RecurrenceError(
            f"INTERVAL must be at most {_MAX_INTERVAL[freq]} for FREQ={freq} "
            f"(an instance within {HORIZON_YEARS} years)"
        )
    if "COUNT" in parts and int(parts["COUNT"]) < 1:
        raise RecurrenceError("COUNT must be at least 1")
    if "BYEASTER" in parts:
        raise RecurrenceError("BYEASTER is not supported")
    hours = _how_many(parts, "BYHOUR", 24 if freq == "HOURLY" else 1)
    if hours * _how_many(parts, "BYMINUTE", 1) * _how_many(parts, "BYSECOND", 1) > MAX_PER_DAY:
        raise RecurrenceError(f"recurrence may repeat at most {MAX_PER_DAY} times a day")
    return parsed, parts


def _probe_start(hour: int, minute: int, second: int) -> datetime:
    return datetime(_LAST_YEAR - HORIZON_YEARS, 1, 1, hour, minute, second)


def _check_pattern(parsed: rrule, probe_start: datetime) -> None:
    """Can the rule's BY-parts match any time at all? Checked with INTERVAL=1 (every period,
    whatever the phase) from a start HORIZON_YEARS before 9999, where dateutil stops: at most
    HORIZON_YEARS + 1 years are looked at."""
    try:
        pattern = parsed.replace(dtstart=probe_start, interval=1, count=None, until=None)
    except ValueError as exc:
        raise RecurrenceError(f"invalid RRULE: {exc}") from exc
    for _instance in _iterate(pattern):
        return
    raise RecurrenceError(f"recurrence has no instance within {HORIZON_YEARS} years")


def _how_many(parts: dict[str, str], key: str, default: int) -> int:
    return len(set(parts[key].split(","))) if key in parts else default


def _iterate(pattern: rrule) -> Iterator[datetime]:
    """dateutil's iterator, with its ValueErrors (impossible BY-combinations) as ours."""
    try:
        yield from pattern
    except ValueError as exc:
        raise RecurrenceError(f"invalid RRULE: {exc}") from exc


def _restart_near(
    parsed: rrule, parts: dict[str, str], start: datetime, after: datetime
) -> tuple[rrule, datetime]:
    """The same rule (no COUNT) restarted on its own period grid, whole periods before the
    period of `after`, so its instances after `after` are unchanged. DTSTART-derived defaults
    that the new start would change are passed explicitly."""
    freq, interval = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    defaults: dict[str, int] = {}
    if freq in ("HOURLY", "DAILY", "WEEKLY"):
        step = {
            "HOURLY": timedelta(hours=interval),
            "DAILY": timedelta(days=interval),
            "WEEKLY": timedelta(weeks=interval),
        }[freq]
        periods = max(0, (after - start) // step - 1)
        new_start = start + periods * step  # same time of day and weekday
    elif freq == "MONTHLY":
        months = (after.year - start.year) * 12 + after.month - start.month
        index = start.year * 12 + start.month - 1 + max(0, months // interval - 1) * interval
        new_start = start.replace(year=index // 12, month=index % 12 + 1, day=1)
        if not any(p in parts for p in _DATE_PARTS):
            defaults["bymonthday"] = start.day
    else:  # YEARLY
        years = max(0, (after.year - start.year) // interval - 1) * interval
        new_start = start.replace(year=start.year + years, month=1, day=1)
        if not any(p in parts for p in _DATE_PARTS):
            defaults["bymonthday"] = start.day
            if "BYMONTH" not in parts:
                defaults["bymonth"] = start.month
    if new_start <= start:
        return parsed, start
    try:
        return parsed.replace(dtstart=new_start, **defaults), new_start  # type: ignore[arg-type]
    except ValueError as exc:
        raise RecurrenceError(f"invalid RRULE: {exc}") from exc


def _calendar_shift(first_year: int, after_year: int) -> int:
    """Years to add so that `after_year` lands HORIZON_YEARS (or at most a few decades more)
    before 9999, in a calendar identical over every year the search can look at (same leap
    years, same weekdays): from `first_year` - 1 to 9999 + 1, shifted."""
    target = _LAST_YEAR - HORIZON_YEARS - after_year
    for shift in range(target, target - _CYCLE_YEARS, -1):
        if _same_calendar(first_year - 1, _LAST_YEAR + 1 - shift, shift):
            return shift
    raise AssertionError("unreachable: a multiple of 400 years is always the same calendar")


def _same_calendar(first_year: int, last_year: int, shift: int) -> bool:
    if _jan1_weekday(first_year) != _jan1_weekday(first_year + shift):
        return False
    return all(isleap(y) == isleap(y + shift) for y in range(first_year, last_year + 1))


def _jan1_weekday(year: int) -> int:
    before = year - 1  # proleptic Gregorian days before this year, modulo 7
    return (before * 365 + before // 4 - before // 100 + before // 400) % 7


def _add_years(moment: datetime, years: int) -> datetime:
    """Exact between identical calendars (Feb 29 included)."""
    return moment.replace(year=moment.year + years)
