"""Checks a scenario's outcome the way /work/shared/eval/README.md describes.

Matcher fields beyond that README (used by tests/eval/nl_phrasing.jsonl; docs/agent.md):
`list` (the task's list, case-insensitive), `from_completion` (repeat_from_completion),
`rrule_parts` (these `KEY=VALUE` parts are all in the task's RRULE: phase-independent, for
INTERVAL and COUNT), `occurrences` (the series from due_at has exactly this many instances),
`last` (its last instance falls on this local date spec), `deadline` (the task's deadline is
this date spec, or null: it has none), `duration` (its duration in minutes, or null),
`no_due` (true: it has no due time)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def norm_title(title: str) -> list[str]:
    cleaned = re.sub(r"[^\w\s]", " ", title.lower().strip().strip("\"'"))
    return cleaned.split()


def title_matches(expected: str, actual: str) -> bool:
    want, have = norm_title(expected), norm_title(actual)
    return set(want) <= set(have) and len(have) - len(want) <= 3


def candidate_dates(spec: str, today: date) -> list[date]:
    spec = spec.strip().lower()
    if spec.startswith("+") and spec.endswith("d"):
        return [today + timedelta(days=int(spec[1:-1]))]
    if spec[:3] in WEEKDAYS:
        ahead = (WEEKDAYS.index(spec[:3]) - today.weekday()) % 7
        return [today + timedelta(days=ahead), today + timedelta(days=ahead + 7)]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", spec):
        return [date.fromisoformat(spec)]
    if re.fullmatch(r"\d{2}-\d{2}", spec):
        month, day = map(int, spec.split("-"))
        this_year = date(today.year, month, day)
        return [this_year if this_year >= today else date(today.year + 1, month, day)]
    raise ValueError(f"unknown date spec {spec!r}")


def local_dt(value: str, tz: ZoneInfo) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(tz)


def matches_local(spec: str, value: str | None, tz: ZoneInfo, now: datetime) -> bool:
    if value is None:
        return False
    when = local_dt(value, tz)
    parts = spec.split()
    if when.date() not in candidate_dates(parts[0], now.astimezone(tz).date()):
        return False
    return len(parts) == 1 or when.strftime("%H:%M") == parts[1]


def within(spec: str, value: str | None, now: datetime) -> bool:
    if value is None:
        return False
    amount, unit = int(spec[1:-1]), spec[-1]
    delta = {
        "m": timedelta(minutes=amount),
        "h": timedelta(hours=amount),
        "d": timedelta(days=amount),
    }[unit]
    return abs(datetime.fromisoformat(value.replace("Z", "+00:00")) - (now + delta)) <= timedelta(
        minutes=3
    )


def rrule_matches(
    expected: str, at: str | None, task: dict[str, Any], tz: ZoneInfo, now: datetime
) -> bool:
    if not task.get("recurrence") or not task.get("due_at"):
        return False
    start = local_dt(task["due_at"], tz).replace(tzinfo=None)
    local_now = now.astimezone(tz).replace(tzinfo=None)
    actual = rrulestr(task["recurrence"], dtstart=start)
    got = [d for d in _upcoming(actual, start, local_now)]
    hour, minute = map(int, at.split(":")) if at else (start.hour, start.minute)
    exp_start = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0) - timedelta(
        days=400
    )
    want = list(_upcoming(rrulestr(expected, dtstart=exp_start), exp_start, local_now))
    if at is None:
        return [d.date() for d in got] == [d.date() for d in want]
    return got == want


def _upcoming(rule: Any, start: datetime, after: datetime) -> list[datetime]:
    out: list[datetime] = []
    cursor = after
    # the task's own first occurrence counts when it is still ahead
    if start > after:
        out.append(start)
        cursor = start
    while len(out) < 5:
        nxt = rule.after(cursor)
        if nxt is None:
            break
        out.append(nxt)
        cursor = nxt
    return out[:5]


def check_expect(
    matcher: dict[str, Any], tasks: list[dict[str, Any]], tz: ZoneInfo, now: datetime
) -> list[str]:
    """Empty when some task satisfies the matcher; otherwise the reasons per candidate."""
    reasons: list[str] = []
    for task in tasks:
        problems = task_problems(matcher, task, tz, now)
        if not problems:
            return []
        reasons.append(f"{task['title']!r}: {', '.join(problems)}")
    return reasons or ["no tasks"]


def task_problems(
    m: dict[str, Any], task: dict[str, Any], tz: ZoneInfo, now: datetime
) -> list[str]:
    problems = []
    if not title_matches(m["title"], task["title"]):
        return ["title"]
    for key in ("status", "priority"):
        if key in m and task[key] != m[key]:
            problems.append(f"{key}={task[key]}")
    if "tags" in m and set(task["tags"]) != set(m["tags"]):
        problems.append(f"tags={task['tags']}")
    if "due" in m and not matches_local(m["due"], task["due_at"], tz, now):
        problems.append(f"due={task['due_at']}")
    if "due_date" in m and not matches_local(m["due_date"], task["due_at"], tz, now):
        problems.append(f"due_date={task['due_at']}")
    if "due_in" in m and not within(m["due_in"], task["due_at"], now):
        problems.append(f"due_in={task['due_at']}")
    reminders = [r["at"] for r in task.get("reminders", [])]
    if "reminder" in m and not any(matches_local(m["reminder"], r, tz, now) for r in reminders):
        problems.append(f"reminders={reminders}")
    if "reminder_in" in m and not any(within(m["reminder_in"], r, now) for r in reminders):
        problems.append(f"reminders={reminders}")
    if "rrule" in m and not rrule_matches(m["rrule"], m.get("at"), task, tz, now):
        problems.append(f"recurrence={task.get('recurrence')} due={task['due_at']}")
    if "list" in m and str(task.get("list_name", "")).lower() != m["list"].lower():
        problems.append(f"list={task.get('list_name')}")
    if "from_completion" in m and task.get("repeat_from_completion") != m["from_completion"]:
        problems.append(f"repeat_from_completion={task.get('repeat_from_completion')}")
    if "rrule_parts" in m and not set(m["rrule_parts"].split(";")) <= _rule_parts(task):
        problems.append(f"recurrence={task.get('recurrence')}")
    if "deadline" in m and not _deadline_matches(m["deadline"], task.get("deadline"), tz, now):
        problems.append(f"deadline={task.get('deadline')}")
    if "duration" in m and task.get("duration_minutes") != m["duration"]:
        problems.append(f"duration_minutes={task.get('duration_minutes')}")
    if m.get("no_due") and task.get("due_at") is not None:
        problems.append(f"due={task['due_at']}")
    if "occurrences" in m or "last" in m:
        instances = _series(task, tz)
        if "occurrences" in m and len(instances) != m["occurrences"]:
            problems.append(f"occurrences={len(instances)}")
        if "last" in m and not (
            instances and matches_local(m["last"], instances[-1].isoformat(), tz, now)
        ):
            problems.append(f"last={instances[-1] if instances else None}")
    return problems


def _deadline_matches(spec: str | None, value: str | None, tz: ZoneInfo, now: datetime) -> bool:
    if spec is None or value is None:
        return spec is None and value is None
    return date.fromisoformat(value) in candidate_dates(spec, now.astimezone(tz).date())


def _rule_parts(task: dict[str, Any]) -> set[str]:
    return set((task.get("recurrence") or "").upper().split(";"))


def _series(task: dict[str, Any], tz: ZoneInfo) -> list[datetime]:
    """Every instance of a task's (ending) series, from its due_at; at most 1000."""
    if not task.get("recurrence") or not task.get("due_at"):
        return []
    start = local_dt(task["due_at"], tz).replace(tzinfo=None)
    out: list[datetime] = []
    for instance in rrulestr(task["recurrence"], dtstart=start):
        out.append(instance.replace(tzinfo=tz))
        if len(out) >= 1000:
            break
    return out
