"""The one formatter every reader uses: rules in words, relative dates in the user's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backend_services.kernel import wording as w

BERLIN = ZoneInfo("Europe/Berlin")
NY = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
# Friday 27 Nov 2026, 10:00 in Berlin
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rule", "start", "words"),
    [
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=30", None, "every weekday at 9:30"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "2026-12-01T08:30:00+00:00", "every weekday at 9:30"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", None, "every other Tuesday"),
        ("FREQ=WEEKLY;INTERVAL=2", "2026-12-01T17:00:00+01:00", "every other Tuesday at 17:00"),
        ("FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,WE", None, "every 3 weeks on Monday and Wednesday"),
        ("FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=10;BYMINUTE=0", None, "every weekend day at 10:00"),
        ("FREQ=WEEKLY;BYDAY=MO,WE,FR", None, "every Monday, Wednesday and Friday"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", None, "monthly on the last day"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", None, "monthly on the 1st and the 15th"),
        ("FREQ=MONTHLY;BYMONTHDAY=-2", None, "monthly on the 2nd-to-last day"),
        ("FREQ=MONTHLY;BYDAY=-1FR", None, "monthly on the last Friday"),
        (
            "FREQ=MONTHLY;BYDAY=2MO;BYHOUR=18;BYMINUTE=0",
            None,
            "monthly on the second Monday at 18:00",
        ),
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", None, "monthly on the last weekday"),
        ("FREQ=MONTHLY;BYDAY=TH;BYSETPOS=3", None, "monthly on the third Thursday"),
        (
            "FREQ=MONTHLY;INTERVAL=3",
            "2026-12-22T09:00:00+01:00",
            "every 3 months on the 22nd at 9:00",
        ),
        ("FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=11", None, "every other month on the 11th"),
        ("FREQ=DAILY", None, "every day"),
        ("FREQ=DAILY;INTERVAL=2;BYHOUR=7;BYMINUTE=5", None, "every other day at 7:05"),
        ("FREQ=DAILY;INTERVAL=10", None, "every 10 days"),
        ("RRULE:FREQ=DAILY;COUNT=5", None, "every day, 5 times"),
        ("FREQ=DAILY;COUNT=2", None, "every day, twice"),
        ("FREQ=DAILY;UNTIL=20261205", None, "every day, until Sat 5 Dec"),
        ("FREQ=HOURLY;INTERVAL=4", None, "every 4 hours"),
        ("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=14", None, "every year on 14 March"),
        ("FREQ=YEARLY", "2027-07-04T12:00:00+02:00", "every year on 4 July at 12:00"),
        (
            "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8,17;BYMINUTE=0",
            None,
            "every weekday at 8:00 and 17:00",
        ),
    ],
)
def test_rules_in_words(rule: str, start: str | None, words: str) -> None:
    assert w.rule_in_words(rule, start, BERLIN, NOW) == words


def test_unphrased_rule_is_shown_not_guessed() -> None:
    assert w.rule_in_words("FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", None, BERLIN, NOW) == (
        "repeats (FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO)"
    )
    assert w.rule_in_words(None) == ""


def test_rule_time_follows_the_user_zone_not_utc() -> None:
    start = "2026-12-01T14:30:00+00:00"  # 9:30 in New York, 23:30 in Tokyo
    assert w.rule_in_words("FREQ=WEEKLY;BYDAY=TU", start, NY, NOW) == "every Tuesday at 9:30"
    assert w.rule_in_words("FREQ=DAILY", start, TOKYO, NOW) == "every day at 23:30"


@pytest.mark.parametrize(
    ("at", "zone", "text"),
    [
        (datetime(2026, 11, 27, 16, 0, tzinfo=UTC), BERLIN, "today 17:00"),
        (datetime(2026, 11, 28, 16, 0, tzinfo=UTC), BERLIN, "tomorrow 17:00"),
        (datetime(2026, 11, 26, 7, 0, tzinfo=UTC), BERLIN, "yesterday 8:00"),
        (datetime(2026, 12, 3, 8, 0, tzinfo=UTC), BERLIN, "Thu 9:00"),
        (datetime(2026, 12, 4, 8, 0, tzinfo=UTC), BERLIN, "Fri 4 Dec 9:00"),
        (datetime(2026, 12, 5, 8, 0, tzinfo=UTC), BERLIN, "Sat 5 Dec 9:00"),
        (datetime(2026, 11, 20, 8, 0, tzinfo=UTC), BERLIN, "Fri 20 Nov 9:00"),
        (datetime(2027, 12, 24, 17, 0, tzinfo=UTC), BERLIN, "Fri 24 Dec 2027 18:00"),
        # 23:30 UTC on the 27th is already tomorrow in Berlin, still today in New York
        (datetime(2026, 11, 27, 23, 30, tzinfo=UTC), BERLIN, "tomorrow 0:30"),
        (datetime(2026, 11, 27, 23, 30, tzinfo=UTC), NY, "today 18:30"),
        (datetime(2026, 11, 28, 1, 0, tzinfo=UTC), TOKYO, "tomorrow 10:00"),
    ],
)
def test_relative_moments(at: datetime, zone: ZoneInfo, text: str) -> None:
    assert w.moment(at, zone, NOW) == text


def test_moments_across_dst() -> None:
    """Berlin leaves summer time on 25 Oct 2026: the same 9:00 is 7:00 UTC before, 8:00 after."""
    now = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)  # Saturday
    assert w.moment(datetime(2026, 10, 25, 8, 0, tzinfo=UTC), BERLIN, now) == "tomorrow 9:00"
    assert w.moment(datetime(2026, 10, 23, 7, 0, tzinfo=UTC), BERLIN, now) == "yesterday 9:00"
    # New York springs forward on 8 Mar 2026; a weekly rule started before keeps 9:30 local
    start = datetime(2026, 3, 2, 9, 30, tzinfo=NY)
    assert w.rule_in_words("FREQ=WEEKLY;BYDAY=MO", start, NY, now) == "every Monday at 9:30"
    after = datetime(2026, 3, 9, 13, 30, tzinfo=UTC)  # 9:30 EDT
    assert w.moment(after, NY, datetime(2026, 3, 8, 15, 0, tzinfo=UTC)) == "tomorrow 9:30"


def _task(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "t1",
        "title": "call mom",
        "status": "pending",
        "priority": "none",
        "tags": [],
        "due_at": None,
        "recurrence": None,
        "reminders": [],
    }
    return base | fields


def test_added_names_the_reminder() -> None:
    due = "2026-11-28T16:00:00+00:00"
    task = _task(due_at=due, reminders=[{"id": "r", "at": due, "fired_at": None}])
    assert (
        w.added(task, BERLIN, NOW)
        == "Added: call mom, due tomorrow 17:00. I'll remind you at 17:00."
    )
    early = _task(
        due_at=due, reminders=[{"id": "r", "at": "2026-11-27T19:00:00+00:00", "fired_at": None}]
    )
    assert w.added(early, BERLIN, NOW).endswith("I'll remind you at 20:00.")  # today
    later = _task(reminders=[{"id": "r", "at": "2026-12-01T08:00:00+00:00", "fired_at": None}])
    assert w.added(later, BERLIN, NOW) == "Added: call mom. I'll remind you Tue 9:00."
    plain = _task(title="buy milk", priority="high", tags=["shop"])
    assert w.added(plain, BERLIN, NOW) == "Added: buy milk, high priority, #shop."


def test_one_line_and_fired_reminders() -> None:
    task = _task(
        due_at="2026-12-01T08:30:00+00:00",
        recurrence="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        reminders=[
            {"id": "r", "at": "2026-11-27T08:00:00+00:00", "fired_at": "2026-11-27T08:00:01Z"}
        ],
    )
    assert w.one_line(task, BERLIN, NOW) == "call mom, due Tue 9:30, every weekday at 9:30"
    assert "FREQ" not in w.one_line(task, BERLIN, NOW)


def test_sections_in_the_user_day() -> None:
    assert w.section(_task(), BERLIN, NOW) == "someday"
    assert w.section(_task(due_at="2026-11-27T08:00:00+00:00"), BERLIN, NOW) == "overdue"
    assert w.section(_task(due_at="2026-11-27T22:30:00+00:00"), BERLIN, NOW) == "today"
    # the same instant is tomorrow in Berlin, so upcoming; in New York still today
    assert w.section(_task(due_at="2026-11-27T23:30:00+00:00"), BERLIN, NOW) == "upcoming"
    assert w.section(_task(due_at="2026-11-27T23:30:00+00:00"), NY, NOW) == "today"
    assert w.section(_task(status="completed"), BERLIN, NOW) == "done"


def test_table_escapes_titles_and_shows_icons() -> None:
    tasks = [
        _task(
            title="a | b",
            priority="high",
            tags=["x"],
            due_at="2026-11-28T16:00:00+00:00",
            recurrence="FREQ=MONTHLY;BYMONTHDAY=-1",
            reminders=[{"id": "r", "at": "2026-11-28T16:00:00+00:00", "fired_at": None}],
        ),
        _task(title="done one", status="completed"),
    ]
    table = w.table(tasks, BERLIN, NOW).splitlines()
    assert table[0] == "| | Task | When | Details |"
    assert table[2] == (
        "| ⬜ | a \\| b | tomorrow 17:00 | ‼ high · #x · 🔁 monthly on the last day at 17:00"
        " · 🔔 at 17:00 |"
    )
    assert table[3] == "| ✅ | done one |  |  |"


def test_plain_table_for_terminals() -> None:
    tasks = [
        _task(due_at="2026-11-28T16:00:00+00:00", tags=["family"]),
        _task(title="x", status="completed"),
    ]
    lines = w.plain_table(tasks, BERLIN, NOW).splitlines()
    assert lines == ["[ ] call mom  tomorrow 17:00  #family", "[x] x"]


def test_reminder_note_and_next_morning() -> None:
    assert w.reminder_note("call mom", datetime(2026, 11, 27, 16, tzinfo=UTC), BERLIN, NOW) == (
        "Reminder: call mom (due today 17:00)"
    )
    morning = w.next_morning(NY, NOW)
    assert (morning.astimezone(NY).day, morning.astimezone(NY).hour) == (28, 9)
    assert morning - NOW < timedelta(days=2)
