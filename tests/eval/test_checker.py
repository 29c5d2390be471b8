"""The scenario checker must be able to fail."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tests.eval.checker import check_expect

NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # 01:00 on the 27th in Karachi
KHI = ZoneInfo("Asia/Karachi")


def task(**fields: object) -> dict:
    base = {
        "title": "call mom",
        "status": "pending",
        "priority": "none",
        "tags": [],
        "due_at": None,
        "reminders": [],
        "recurrence": None,
    }
    return {**base, **fields}


def test_local_dates_are_the_users() -> None:
    due = "2026-11-28T12:00:00Z"  # 17:00 on the 28th in Karachi: "+1d 17:00" there
    assert (
        check_expect({"title": "call mom", "due": "+1d 17:00"}, [task(due_at=due)], KHI, NOW) == []
    )
    assert check_expect(
        {"title": "call mom", "due": "+1d 17:00"}, [task(due_at=due)], ZoneInfo("UTC"), NOW
    )


def test_title_priority_tags_and_rrule_mismatches_fail() -> None:
    assert check_expect({"title": "call dad"}, [task()], KHI, NOW)
    assert check_expect({"title": "call", "priority": "high"}, [task()], KHI, NOW)
    assert check_expect({"title": "call", "tags": ["x"]}, [task()], KHI, NOW)
    weekly = task(recurrence="FREQ=WEEKLY;BYDAY=MO", due_at="2026-11-30T04:00:00Z")  # Mon 09:00
    assert (
        check_expect(
            {"title": "call", "rrule": "FREQ=WEEKLY;BYDAY=MO", "at": "09:00"}, [weekly], KHI, NOW
        )
        == []
    )
    assert check_expect(
        {"title": "call", "rrule": "FREQ=WEEKLY;BYDAY=TU", "at": "09:00"}, [weekly], KHI, NOW
    )
    assert check_expect(
        {"title": "call", "rrule": "FREQ=WEEKLY;BYDAY=MO", "at": "10:00"}, [weekly], KHI, NOW
    )


def test_deadline_duration_and_no_due_can_fail() -> None:
    have = task(deadline="2026-11-30", duration_minutes=30)
    assert check_expect({"title": "call mom", "deadline": "mon"}, [have], KHI, NOW) == []
    assert check_expect({"title": "call mom", "deadline": "tue"}, [have], KHI, NOW)
    assert check_expect({"title": "call mom", "deadline": None}, [have], KHI, NOW)
    assert check_expect({"title": "call mom", "deadline": None}, [task()], KHI, NOW) == []
    assert check_expect({"title": "call mom", "duration": 30}, [have], KHI, NOW) == []
    assert check_expect({"title": "call mom", "duration": 45}, [have], KHI, NOW)
    assert check_expect({"title": "call mom", "no_due": True}, [have], KHI, NOW) == []
    due = task(due_at="2026-11-28T12:00:00Z")
    assert check_expect({"title": "call mom", "no_due": True}, [due], KHI, NOW)
