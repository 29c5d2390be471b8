"""Tasks in words people read: one formatter for chat replies, the task panel, notifications
and `todo tasks`, so every reader says "every weekday at 9:30" and "tomorrow 17:00" alike.

Everything is shown in the user's time zone. Times are 24-hour ("9:30", "17:00"). Dates are
relative where that reads naturally: "today 17:00", "tomorrow 9:00", "yesterday 8:00", the
weekday within the coming week ("Fri 17:00"), the day and month within a year ("Fri 5 Dec
17:00"), the year beyond that. Tasks are plain dicts shaped like `TaskPublic` (what the REST
API, the agent's task client and `model_dump(mode="json")` all give).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

Task = Mapping[str, Any]
Section = Literal["overdue", "today", "upcoming", "someday", "done"]
SECTIONS: tuple[Section, ...] = ("overdue", "today", "upcoming", "someday", "done")
SECTION_TITLES: dict[Section, str] = {
    "overdue": "Overdue",
    "today": "Today",
    "upcoming": "Upcoming",
    "someday": "Someday",
    "done": "Done",
}

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = dict(zip(_WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                  "Saturday", "Sunday"), strict=True))  # fmt: skip
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last",
                  -2: "second-to-last"}  # fmt: skip
_UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year",
          "HOURLY": "hour"}  # fmt: skip
_PRIORITY_MARK = {"high": "‼ high", "medium": "! medium", "low": "low"}


def as_datetime(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def zone_of(tz: str | ZoneInfo | None) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    return ZoneInfo(tz or "UTC")


# ---------------------------------------------------------------------------------------
# times and dates


def local(when: datetime, zone: ZoneInfo) -> datetime:
    """`when` in `zone`; in UTC when that would pass the year 9999 (a date near the end of
    the calendar in a zone ahead of UTC, such as a row a repeating series walked up to
    9999-12-31 before series ended at the date bound): shown a few hours off, never a crash."""
    try:
        return when.astimezone(zone)
    except OverflowError:
        return when.astimezone(UTC)


def clock(when: datetime, zone: ZoneInfo) -> str:
    """ "9:30", "17:00" in `zone`."""
    at = local(when, zone)
    return f"{at.hour}:{at.minute:02d}"


def day(when: datetime, zone: ZoneInfo, now: datetime) -> str:
    """The local day relative to `now`: "today", "tomorrow", "yesterday", "Fri", "Fri 5 Dec",
    "Fri 5 Dec 2027"."""
    at = local(when, zone)
    today = now.astimezone(zone).date()
    delta = (at.date() - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    if 1 < delta < 7:
        return f"{at:%a}"
    if abs(delta) < 300 or at.year == today.year:
        return f"{at:%a} {at.day} {at:%b}"
    return f"{at:%a} {at.day} {at:%b} {at.year}"


def moment(when: datetime | str, zone: ZoneInfo, now: datetime) -> str:
    """ "tomorrow 17:00", "Fri 5 Dec 9:00"."""
    at = as_datetime(when)
    assert at is not None
    return f"{day(at, zone, now)} {clock(at, zone)}"


def section(task: Task, zone: ZoneInfo, now: datetime) -> Section:
    """Where the task panel lists a task: by its due time in the user's day."""
    if task.get("status") == "completed":
        return "done"
    due = as_datetime(task.get("due_at"))
    if due is None:
        return "someday"
    if due < now:
        return "overdue"
    if local(due, zone).date() == now.astimezone(zone).date():
        return "today"
    return "upcoming"


# ---------------------------------------------------------------------------------------
# recurrence rules


def _ordinal(n: int) -> str:
    if n < 0:
        return "last" if n == -1 else f"{_ordinal(-n)}-to-last"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _join(words: list[str]) -> str:
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _parts(rule: str) -> dict[str, str]:
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    out: dict[str, str] = {}
    for piece in text.split(";"):
        if "=" in piece:
            key, value = piece.split("=", 1)
            out[key.strip().upper()] = value.strip().upper()
    return out


def _every(unit: str, interval: int) -> str:
    if interval == 1:
        return f"every {unit}"
    if interval == 2:
        return f"every other {unit}"
    return f"every {interval} {unit}s"


def _weekday_phrase(days: list[str], interval: int) -> str | None:
    if any(d not in _WEEKDAYS for d in days):
        return None
    ordered = sorted(set(days), key=_WEEKDAYS.index)
    if ordered == list(_WEEKDAYS[:5]):
        names = "weekday"
    elif ordered == ["SA", "SU"]:
        names = "weekend day"
    elif ordered == list(_WEEKDAYS):
        return _every("day", 1) if interval == 1 else _every("week", interval) + " on every day"
    else:
        names = _join([_DAY_NAMES[d] for d in ordered])
    if interval == 1:
        return f"every {names}"
    names = _join([_DAY_NAMES[d] for d in ordered])  # "every other week on Saturday and Sunday"
    if interval == 2:
        return f"every other {names}" if len(ordered) == 1 else f"every other week on {names}"
    return f"every {interval} weeks on {names}"


def _nth_weekday(spec: str) -> tuple[int, str] | None:
    """ "-1FR" → (-1, "FR"); "2MO" → (2, "MO")."""
    code = spec[-2:]
    number = spec[:-2].lstrip("+")
    if code not in _WEEKDAYS or not number.lstrip("-").isdigit():
        return None
    return int(number), code


def _monthly(parts: dict[str, str], interval: int, start: datetime | None) -> str | None:
    lead = "monthly" if interval == 1 else _every("month", interval)
    if "BYMONTHDAY" in parts:
        days = [int(d) for d in parts["BYMONTHDAY"].split(",") if d.lstrip("-").isdigit()]
        if not days:
            return None
        named = [
            "the last day"
            if d == -1
            else f"the {_ordinal(d)} day"
            if d < 0
            else f"the {_ordinal(d)}"
            for d in days
        ]
        return f"{lead} on {_join(named)}"
    if "BYDAY" in parts:
        specs = parts["BYDAY"].split(",")
        setpos = parts.get("BYSETPOS")
        if setpos and len(specs) == 1 and setpos.lstrip("-").isdigit():
            specs = [f"{setpos}{specs[0]}"]
        if setpos and ",".join(specs) == "MO,TU,WE,TH,FR" and setpos.lstrip("-").isdigit():
            n = int(setpos)
            which = _ORDINAL_WORDS.get(n, _ordinal(n))
            return f"{lead} on the {which} weekday"
        named = []
        for spec in specs:
            nth = _nth_weekday(spec)
            if nth is None:
                return None
            n, code = nth
            named.append(f"the {_ORDINAL_WORDS.get(n, _ordinal(n))} {_DAY_NAMES[code]}")
        return f"{lead} on {_join(named)}"
    if start is not None:
        return f"{lead} on the {_ordinal(start.day)}"
    return lead


def _yearly(parts: dict[str, str], interval: int, start: datetime | None) -> str | None:
    lead = "every year" if interval == 1 else _every("year", interval)
    months = [int(m) for m in parts.get("BYMONTH", "").split(",") if m.isdigit()]
    days = [int(d) for d in parts.get("BYMONTHDAY", "").split(",") if d.isdigit()]
    if "BYDAY" in parts or len(months) > 1 or len(days) > 1:
        return None
    month = months[0] if months else (start.month if start else None)
    day_of_month = days[0] if days else (start.day if start else None)
    if month is None or day_of_month is None or not 1 <= month <= 12:
        return lead
    return f"{lead} on {day_of_month} {_MONTHS[month - 1]}"


def _time_suffix(parts: dict[str, str], start: datetime | None, freq: str) -> str:
    if freq == "HOURLY":
        return ""
    hours = [int(h) for h in parts.get("BYHOUR", "").split(",") if h.isdigit()]
    minutes = [int(m) for m in parts.get("BYMINUTE", "").split(",") if m.isdigit()]
    if len(hours) > 1 or len(minutes) > 1:
        minute = minutes[0] if minutes else (start.minute if start else 0)
        return " at " + _join([f"{h}:{minute:02d}" for h in hours])
    hour = hours[0] if hours else (start.hour if start else None)
    minute = minutes[0] if minutes else (start.minute if start else 0)
    return "" if hour is None else f" at {hour}:{minute:02d}"


def _end_suffix(parts: dict[str, str], zone: ZoneInfo, now: datetime) -> str:
    if "COUNT" in parts and parts["COUNT"].isdigit():
        n = int(parts["COUNT"])
        return ", once" if n == 1 else ", twice" if n == 2 else f", {n} times"
    until = parts.get("UNTIL")
    if until:
        try:
            if len(until) == 8:
                end = datetime.strptime(until, "%Y%m%d").replace(tzinfo=zone)
            else:
                end = datetime.strptime(until.rstrip("Z"), "%Y%m%dT%H%M%S").replace(
                    tzinfo=ZoneInfo("UTC") if until.endswith("Z") else zone
                )
        except ValueError:
            return ""
        return f", until {day(end, zone, now)}"
    return ""


def rule_in_words(
    rule: str | None,
    start: datetime | str | None = None,
    zone: ZoneInfo | str | None = None,
    now: datetime | None = None,
) -> str:
    """An RRULE as a phrase: "every weekday at 9:30", "every other Tuesday", "monthly on the
    last day". `start` (the first occurrence, i.e. the task's due time) supplies the time and
    day a rule leaves out, in `zone`, as the recurring worker does. A rule outside what this
    phrases reads "repeats (RULE)" rather than a guess."""
    if not rule:
        return ""
    tz = zone_of(zone)
    first = as_datetime(start)
    first_local = local(first, tz) if first else None
    parts = _parts(rule)
    freq = parts.get("FREQ", "")
    raw_interval = parts.get("INTERVAL", "1")
    interval = max(int(raw_interval), 1) if raw_interval.isdigit() else 1
    phrase: str | None = None
    if freq == "HOURLY":
        phrase = _every("hour", interval)
    elif freq == "DAILY":
        if "BYDAY" in parts and interval == 1:
            phrase = _weekday_phrase(parts["BYDAY"].split(","), 1)
        elif "BYDAY" not in parts:
            phrase = _every("day", interval)
    elif freq == "WEEKLY":
        days = parts["BYDAY"].split(",") if "BYDAY" in parts else []
        if not days and first_local is not None:
            days = [_WEEKDAYS[first_local.weekday()]]
        phrase = _weekday_phrase(days, interval) if days else _every("week", interval)
    elif freq == "MONTHLY":
        phrase = _monthly(parts, interval, first_local)
    elif freq == "YEARLY":
        phrase = _yearly(parts, interval, first_local)
    if phrase is None:
        return f"repeats ({rule})"
    return phrase + _time_suffix(parts, first_local, freq) + _end_suffix(parts, tz, now or _now(tz))


def _now(zone: ZoneInfo) -> datetime:
    return datetime.now(zone)


# ---------------------------------------------------------------------------------------
# tasks


def reminder_times(task: Task) -> list[datetime]:
    """Reminders still to come, earliest first."""
    out = []
    for reminder in task.get("reminders") or []:
        at = as_datetime(reminder.get("at"))
        if at is not None and reminder.get("fired_at") is None:
            out.append(at)
    return sorted(out)


def deadline_of(task: Task) -> date | None:
    value = task.get("deadline")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, date) else None


def deadline_day(deadline: date, zone: ZoneInfo, now: datetime) -> str:
    """The deadline's day as `day` says it: "today", "Fri", "Fri 5 Dec"."""
    return day(datetime.combine(deadline, time(12), zone), zone, now)


def duration_words(minutes: int) -> str:
    """ "30 min", "2 h", "1 h 30 min"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


def reminder_phrase(at: datetime, task: Task, zone: ZoneInfo, now: datetime) -> str:
    """ "at 17:00" when it rings on the due day (or today), else "tomorrow 9:00"."""
    due = as_datetime(task.get("due_at"))
    same_day = due is not None and local(due, zone).date() == local(at, zone).date()
    if same_day or local(at, zone).date() == now.astimezone(zone).date():
        return f"at {clock(at, zone)}"
    return moment(at, zone, now)


def details(task: Task, zone: ZoneInfo, now: datetime) -> list[str]:
    """The short facts after a title: due, priority, tags, repeat, list, reminder, done."""
    out: list[str] = []
    due = as_datetime(task.get("due_at"))
    if due is not None:
        out.append(f"due {moment(due, zone, now)}")
    deadline = deadline_of(task)
    if deadline is not None:
        out.append(f"deadline {deadline_day(deadline, zone, now)}")
    if task.get("duration_minutes"):
        out.append(f"takes {duration_words(int(task['duration_minutes']))}")
    if task.get("priority") in _PRIORITY_MARK:
        out.append(f"{task['priority']} priority")
    if task.get("tags"):
        out.append(" ".join("#" + t for t in task["tags"]))
    if task.get("recurrence"):
        counted = " after each completion" if task.get("repeat_from_completion") else ""
        out.append(rule_in_words(task["recurrence"], due, zone, now) + counted)
    if task.get("list_name") not in (None, "", "Inbox"):
        out.append(f"in {task['list_name']}")
    upcoming = reminder_times(task)
    if upcoming and task.get("status") != "completed":
        out.append(f"reminder {reminder_phrase(upcoming[0], task, zone, now)}")
    if task.get("status") == "completed":
        out.append("done")
    return out


def one_line(task: Task, zone: ZoneInfo, now: datetime) -> str:
    """ "call mom, due tomorrow 17:00, high priority, #family"."""
    return ", ".join([str(task["title"]), *details(task, zone, now)])


def added(task: Task, zone: ZoneInfo, now: datetime) -> str:
    """The confirmation after creating a task, naming its reminder."""
    facts = [f for f in details(task, zone, now) if not f.startswith("reminder ")]
    text = "Added: " + ", ".join([str(task["title"]), *facts]) + "."
    return text + reminder_sentence(task, zone, now)


def reminder_sentence(task: Task, zone: ZoneInfo, now: datetime) -> str:
    upcoming = reminder_times(task)
    if not upcoming:
        return ""
    first = reminder_phrase(upcoming[0], task, zone, now)
    more = f" (and {len(upcoming) - 1} more)" if len(upcoming) > 1 else ""
    return f" I'll remind you {first}{more}."


def _cell(text: str) -> str:
    """Markdown table cells: a `|` in a title would start a new column."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def table(tasks: Iterable[Task], zone: ZoneInfo, now: datetime) -> str:
    """A compact markdown table (the chat renders it): done mark, task, when, more."""
    rows = ["| | Task | When | Details |", "|---|---|---|---|"]
    for task in tasks:
        due = as_datetime(task.get("due_at"))
        mark = "✅" if task.get("status") == "completed" else "⬜"
        when = moment(due, zone, now) if due else ""
        extra = []
        deadline = deadline_of(task)
        if deadline is not None:
            extra.append("⏳ by " + deadline_day(deadline, zone, now))
        if task.get("duration_minutes"):
            extra.append("⏱ " + duration_words(int(task["duration_minutes"])))
        if task.get("priority") in _PRIORITY_MARK:
            extra.append(_PRIORITY_MARK[task["priority"]])
        if task.get("tags"):
            extra.append(" ".join("#" + t for t in task["tags"]))
        if task.get("recurrence"):
            extra.append("🔁 " + rule_in_words(task["recurrence"], due, zone, now))
        upcoming = reminder_times(task)
        if upcoming and task.get("status") != "completed":
            extra.append("🔔 " + reminder_phrase(upcoming[0], task, zone, now))
        cells = [mark, str(task["title"]), when, " · ".join(extra)]
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(rows)


def plain_table(tasks: Iterable[Task], zone: ZoneInfo, now: datetime) -> str:
    """For terminals: aligned columns, no markdown."""
    rows = []
    for task in tasks:
        due = as_datetime(task.get("due_at"))
        mark = "[x]" if task.get("status") == "completed" else "[ ]"
        facts = [f for f in details(task, zone, now) if not f.startswith(("due ", "done"))]
        rows.append((mark, str(task["title"]), moment(due, zone, now) if due else "", facts))
    if not rows:
        return ""
    width = max(len(r[1]) for r in rows)
    when_width = max(len(r[2]) for r in rows)
    lines = []
    for mark, title, when, facts in rows:
        line = f"{mark} {title.ljust(width)}  {when.ljust(when_width)}  {', '.join(facts)}"
        lines.append(line.rstrip())
    return "\n".join(lines)


SERIES_ENDED = "That was the last of its series: no next occurrence follows."


def completed(task: Task) -> str:
    """What a completion says: "Marked 'x' as done.", and when a repeating series ended with
    it (COUNT, UNTIL, or the date bound), that no next one follows."""
    text = f"Marked '{task['title']}' as done."
    return f"{text} {SERIES_ENDED}" if task.get("series_ended") else text


def reminder_note(title: str, due_at: datetime | None, zone: ZoneInfo, now: datetime) -> str:
    """A notification's text: "Reminder: call mom (due today 17:00)"."""
    body = f"Reminder: {title}"
    if due_at is not None:
        body += f" (due {moment(due_at, zone, now)})"
    return body


def today_for(zone: ZoneInfo, now: datetime) -> date:
    return now.astimezone(zone).date()


def next_morning(zone: ZoneInfo, now: datetime, hour: int = 9) -> datetime:
    """9:00 tomorrow in the user's zone (what "Snooze until tomorrow" means)."""
    tomorrow = today_for(zone, now) + timedelta(days=1)
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, hour, tzinfo=zone)
