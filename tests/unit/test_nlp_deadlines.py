"""Deadline and duration phrases (agent/nlp/deadlines.py) and the edits of existing tasks
(agent/nlp/intent_deadline.py): "by Friday" vs "on Friday", "deadline Friday", "for 30
minutes", "takes 2 hours", "1h"; what stays a due time, a reminder offset or a snooze."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from agent.nlp.deadlines import find_deadline, find_duration
from agent.nlp.intents import AddTask, Snooze, UpdateTask
from agent.nlp.parser import parse_message

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # a Sunday
FRIDAY = date(2026, 12, 11)


@pytest.mark.parametrize(
    ("text", "deadline", "due_day"),
    [
        ("add finish the report by friday", FRIDAY, FRIDAY),
        ("add pay rent due by the 9th", date(2026, 12, 9), date(2026, 12, 9)),
        ("add file taxes deadline friday", FRIDAY, None),
        ("add grant proposal with a deadline of march 3", date(2027, 3, 3), None),
        ("add draft slides tomorrow, by friday", FRIDAY, date(2026, 12, 7)),
        ("add send the contract no later than friday", FRIDAY, FRIDAY),
        ("add write essay on friday", None, FRIDAY),
        ("add call the plumber by 5pm", None, date(2026, 12, 6)),
        ("remind me to call mom by friday", None, FRIDAY),
    ],
)
def test_deadline_or_due(text: str, deadline: date | None, due_day: date | None) -> None:
    intent = parse_message(text, NOW)
    assert isinstance(intent, AddTask), intent
    assert intent.deadline == deadline
    assert (intent.due_at.date() if intent.due_at else None) == due_day


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("add gym for 30 minutes tomorrow at 7am", 30),
        ("add read the book, takes 2 hours", 120),
        ("add gym 1h tomorrow", 60),
        ("add review notes 1h30", 90),
        ("add call grandma for half an hour", 30),
        ("add practice piano for an hour and a half", 90),
        ("add clean up, it will take about 45 min", 45),
        ("add call mom in 1h", None),
        ("add dentist tomorrow at 3pm remind me 30 minutes before", None),
        ("add stretch every 2 hours", None),
        ("add nap for 25 hours", None),  # beyond a day: not a duration
        ("add buy 3 m of rope", None),  # a bare "m" counts only right after its digits
        ("add stretch 20m", 20),
    ],
)
def test_duration(text: str, minutes: int | None) -> None:
    intent = parse_message(text, NOW)
    assert isinstance(intent, AddTask), intent
    assert intent.duration_minutes == minutes


def test_duration_words_leave_the_title() -> None:
    intent = parse_message("add go for a run tomorrow at 7am for 30 minutes", NOW)
    assert isinstance(intent, AddTask)
    assert intent.title == "go for a run" and intent.duration_minutes == 30


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("set the deadline of the report to friday", UpdateTask(ref="the report", deadline=FRIDAY)),
        (
            "the report's deadline is the 9th",
            UpdateTask(ref="the report", deadline=date(2026, 12, 9)),
        ),
        ("the report is due by friday", UpdateTask(ref="the report", deadline=FRIDAY)),
        ("remove the deadline from the report", UpdateTask(ref="the report", clear=["deadline"])),
        ("no deadline for the report", UpdateTask(ref="the report", clear=["deadline"])),
        ("the report takes 2 hours", UpdateTask(ref="the report", duration_minutes=120)),
        ("set the duration of gym to 45 minutes", UpdateTask(ref="gym", duration_minutes=45)),
        ("remove the duration from gym", UpdateTask(ref="gym", clear=["duration"])),
    ],
)
def test_edits_of_existing_tasks(text: str, expected: UpdateTask) -> None:
    intent = parse_message(text, NOW)
    assert isinstance(intent, UpdateTask), intent
    assert intent.model_dump(exclude={"rule"}) == expected.model_dump(exclude={"rule"})


def test_a_snooze_by_an_hour_stays_a_snooze() -> None:
    assert isinstance(parse_message("snooze call mom by an hour", NOW), Snooze)


def test_finders_report_their_spans() -> None:
    text = "finish the report by friday"
    found = find_deadline(text, NOW)
    assert found is not None and text[found.span[0] : found.span[1]] == "by friday"
    assert find_deadline("call him by 5pm", NOW) is None
    length = find_duration("gym for 30 minutes")
    assert length is not None and length.minutes == 30 and length.span == (4, 18)
    assert find_duration("gym 1h", bare=False) is None
