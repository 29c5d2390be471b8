"""Reminder offsets in words (agent.nlp.offsets)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta

from agent.nlp.offsets import find_reminder_offset

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "before", "at"),
    [
        ("the day before", relativedelta(days=1), None),
        ("a day before", relativedelta(days=1), None),
        ("an hour before", relativedelta(hours=1), None),
        ("an hour before it's due", relativedelta(hours=1), None),
        ("30 min before", relativedelta(minutes=30), None),
        ("15 minutes ahead of time", relativedelta(minutes=15), None),
        ("half an hour beforehand", relativedelta(minutes=30), None),
        ("2 days earlier", relativedelta(days=2), None),
        ("two days in advance", relativedelta(days=2), None),
        ("a week before", relativedelta(days=7), None),
        ("the week before", relativedelta(weeks=1), None),
        ("the night before", relativedelta(days=1), time(20, 0)),
        ("the evening before", relativedelta(days=1), time(18, 0)),
        ("the morning before", relativedelta(days=1), time(9, 0)),
        ("the day before at 6pm", relativedelta(days=1), time(18, 0)),
        ("the night before at 9:30 pm", relativedelta(days=1), time(21, 30)),
        ("3 days before at 8am", relativedelta(days=3), time(8, 0)),
        ("the morning of", relativedelta(), time(9, 0)),
        ("on the day", relativedelta(), time(9, 0)),
        ("the previous day", relativedelta(days=1), None),
        ("the night before at 9", relativedelta(days=1), time(21, 0)),
        ("the morning before at 7", relativedelta(days=1), time(7, 0)),
        ("the previous evening", relativedelta(days=1), time(18, 0)),
        ("a day prior", relativedelta(days=1), None),
        ("2 days ahead of time", relativedelta(days=2), None),
    ],
)
def test_offset_phrases(text: str, before: relativedelta, at: time | None) -> None:
    found = find_reminder_offset(f"and remind me {text}, thanks")
    assert found is not None
    assert found.before == before
    assert found.at == at
    start, end = found.span
    assert f"and remind me {text}, thanks"[start:end] == text


@pytest.mark.parametrize(
    "text",
    ["call mom tomorrow at 5", "before friday", "in 2 days", "remind me at 6pm", "the day after"],
)
def test_no_offset(text: str) -> None:
    assert find_reminder_offset(text) is None


def test_reminder_instant_keeps_local_calendar_across_dst() -> None:
    due = datetime(2027, 3, 29, 9, 0, tzinfo=BERLIN)  # the Monday after the spring change
    day_before = find_reminder_offset("the day before")
    assert day_before is not None
    assert day_before.reminder_for(due) == datetime(2027, 3, 28, 9, 0, tzinfo=BERLIN)
    night = find_reminder_offset("the night before")
    assert night is not None
    assert night.reminder_for(due) == datetime(2027, 3, 28, 20, 0, tzinfo=BERLIN)
    hours = find_reminder_offset("36 hours before")
    assert hours is not None
    # 36 real hours: the night of the change is an hour short
    assert hours.reminder_for(due) == datetime(2027, 3, 27, 20, 0, tzinfo=BERLIN)
