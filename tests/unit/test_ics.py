"""The iCalendar writer (task_service/tasks/ics.py and the feed's task mapping): escaping,
folding at 75 octets, CRLF, durations, VTIMEZONE transitions, UNTIL in UTC, COUNT left;
every calendar is parsed back with the `icalendar` package."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from backend_services.task_service.tasks import ics
from backend_services.task_service.tasks.calendar_feed import task_events
from backend_services.task_service.tasks.models import Reminder, Task

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def render(*events: ics.FeedEvent, zone: str = "UTC") -> str:
    return ics.render_calendar(ics.Calendar(name="Tasks", zone=zone, events=list(events)), now=NOW)


def test_text_is_escaped_and_control_characters_dropped() -> None:
    assert ics.escape_text("a;b,c\\d\ne\r\nf\tg\x7f") == "a\\;b\\,c\\\\d\\ne\\nf g "
    tricky = "buy milk;\nEND:VEVENT\nBEGIN:VEVENT,x\\"
    text = render(ics.FeedEvent(uid="u1@x", summary=tricky, stamp=NOW, all_day=date(2030, 1, 1)))
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(event["SUMMARY"]) == tricky
    assert text.count("\r\nBEGIN:VEVENT\r\n") == 1  # the title opened no second event


def test_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    title = "Überweisung für die Wohnung 🏠 " * 12
    text = render(ics.FeedEvent(uid="u@x", summary=title, stamp=NOW, all_day=date(2030, 1, 1)))
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines)
    assert "\n" not in text.replace("\r\n", "")
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(event["SUMMARY"]) == title


@pytest.mark.parametrize(
    ("span", "value"),
    [
        (timedelta(minutes=30), "PT30M"),
        (timedelta(hours=2), "PT2H"),
        (timedelta(minutes=90), "PT1H30M"),
        (-timedelta(minutes=15), "-PT15M"),
        (-timedelta(days=1), "-P1D"),
        (timedelta(days=1, hours=2), "P1DT2H"),
        (timedelta(0), "PT0S"),
    ],
)
def test_durations(span: timedelta, value: str) -> None:
    assert ics.duration_value(span) == value


def test_vtimezone_names_the_zones_transitions() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2030, 3, 29, 9, 0, tzinfo=berlin)
    text = render(
        ics.FeedEvent(uid="u@x", summary="t", stamp=NOW, start=start, zone="Europe/Berlin"),
        zone="Europe/Berlin",
    )
    calendar = icalendar.Calendar.from_ical(text)
    (zone,) = calendar.walk("VTIMEZONE")
    daylight = [c for c in zone.walk("DAYLIGHT") if c.decoded("DTSTART").year == 2030]
    standard = [c for c in zone.walk("STANDARD") if c.decoded("DTSTART").year == 2030]
    # summer time begins on 2030-03-31 at 02:00 CET, ends 2030-10-27 at 03:00 CEST
    assert [d.decoded("DTSTART") for d in daylight] == [datetime(2030, 3, 31, 2, 0)]
    assert [s.decoded("DTSTART") for s in standard] == [datetime(2030, 10, 27, 3, 0)]
    assert daylight[0].decoded("TZOFFSETTO") == timedelta(hours=2)
    assert standard[0].decoded("TZOFFSETTO") == timedelta(hours=1)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == start


def test_until_becomes_utc_for_a_zoned_start() -> None:
    assert (
        ics.feed_rrule("FREQ=DAILY;UNTIL=20300105", "America/New_York")
        == "FREQ=DAILY;UNTIL=20300106T045959Z"
    )
    assert ics.feed_rrule("RRULE:FREQ=WEEKLY;UNTIL=20300105T090000", "Europe/Berlin") == (
        "FREQ=WEEKLY;UNTIL=20300105T080000Z"
    )


def _task(**fields: object) -> Task:
    values: dict[str, object] = {
        "id": "t-1",
        "user_id": "alice",
        "title": "water plants",
        "timezone": "Europe/Berlin",
        "updated_at": NOW,
        "created_at": NOW,
        **fields,
    }
    task = Task(**values)
    task.reminders = []
    return task


def test_a_series_shows_the_occurrences_left_of_its_count() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2030, 1, 1, 8, 0, tzinfo=berlin)
    third = start + timedelta(days=2)
    task = _task(due_at=third, series_start=start, series_id="s-1", recurrence="FREQ=DAILY;COUNT=5")
    (event,) = task_events(task)
    assert event.uid == "s-1@todo-assistant" and event.rrule == "FREQ=DAILY;COUNT=3"
    last = _task(
        due_at=start + timedelta(days=4), series_start=start, recurrence="FREQ=DAILY;COUNT=5"
    )
    assert task_events(last)[0].rrule is None
    from_completion = _task(
        due_at=start, series_start=start, recurrence="FREQ=DAILY", repeat_from_completion=True
    )
    assert task_events(from_completion)[0].rrule is None


def test_reminders_become_alarms_relative_to_the_due_time() -> None:
    due = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)
    task = _task(due_at=due, timezone="UTC", duration_minutes=30, deadline=date(2030, 1, 3))
    task.reminders = [
        Reminder(task_id="t-1", at=due - timedelta(minutes=10), offset_minutes=10),
        Reminder(task_id="t-1", at=due - timedelta(days=1)),
    ]
    text = render(*task_events(task))
    calendar = icalendar.Calendar.from_ical(text)
    timed, deadline = calendar.walk("VEVENT")
    assert timed.decoded("DTSTART") == due and timed.decoded("DURATION") == timedelta(minutes=30)
    triggers = [a.decoded("TRIGGER") for a in timed.walk("VALARM")]
    assert triggers == [-timedelta(minutes=10), -timedelta(days=1)]
    assert str(deadline["SUMMARY"]) == "Deadline: water plants"
    assert deadline.decoded("DTSTART") == date(2030, 1, 3)
    assert str(deadline["UID"]) != str(timed["UID"])
    for event in (timed, deadline):
        assert event.decoded("DTSTAMP") == NOW
