"""The parser's Todoist-style grammar at a fixed moment: recurrence (ends, from completion,
its bounds), several tasks, word order, quotes, typos, lists; and its clear errors."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agent.nlp import AddTask, AddTasks, ListTasks, PhraseError, UpdateTask, parse_message
from agent.nlp.recurrence import RecurrenceSpec, first_occurrence
from agent.nlp.typos import correct_typos

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)  # a Thursday


def add(text: str) -> AddTask:
    result = parse_message(text, NOW)
    assert isinstance(result, AddTask), result
    return result


@pytest.mark.parametrize(
    ("text", "rule", "due"),
    [
        ("add standup every workday at 9", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "2026-11-27 09:00"),
        ("add retro every other tuesday at 3pm", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "12-01 15:00"),
        ("add club every 3rd friday", "FREQ=MONTHLY;BYDAY=3FR", "12-18 09:00"),
        ("add bills every last day", "FREQ=MONTHLY;BYMONTHDAY=-1", "11-30 09:00"),
        ("add rent every 15th", "FREQ=MONTHLY;BYMONTHDAY=15", "12-15 09:00"),
        ("add x every 2nd week", "FREQ=WEEKLY;INTERVAL=2", "11-27 09:00"),
        ("add journal every evening", "FREQ=DAILY", "11-26 18:00"),
        ("add pills every 12 hours starting at 7pm", "FREQ=HOURLY;INTERVAL=12", "11-26 19:00"),
        ("add dough every 8 hours starting at 6am", "FREQ=HOURLY;INTERVAL=8", "11-26 22:00"),
        (
            "add sync every weekday at 9am except friday",
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH",
            "11-30 09:00",
        ),
        ("add water every 2 days starting on monday", "FREQ=DAILY;INTERVAL=2", "11-30 09:00"),
        ("add standup Mon-Fri at 9am", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "11-27 09:00"),
        ("add standup every weekday evening", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "11-26 18:00"),
        (
            "add gym every monday until the end of march",
            "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270331T235959",
            "11-30 09:00",
        ),
        (
            "add gym every monday until march 1",
            "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270301T235959",
            "11-30 09:00",
        ),
        ("add walk every day for 5 times", "FREQ=DAILY;COUNT=5", "11-27 09:00"),
        ("add walk every day for 2 weeks", "FREQ=DAILY;UNTIL=20261209T235959", "11-27 09:00"),
        (
            "every day until dec 31 at 9pm record spend",
            "FREQ=DAILY;UNTIL=20261231T235959",
            "11-26 21:00",
        ),
    ],
)
def test_todoist_recurrence(text: str, rule: str, due: str) -> None:
    task = add(text)
    assert task.recurrence == rule and not task.repeat_from_completion
    assert task.due_at is not None and task.due_at.strftime("%m-%d %H:%M") == due[-11:]


@pytest.mark.parametrize(
    "text",
    [
        "add water the ferns every 3 days after I finish",
        "add water the ferns every! 3 days",
        "add water the ferns every 3 days after it's done",
        "add water the ferns every 3 days from completion",
        "add water the ferns every 3 days, counting from when I complete it",
    ],
)
def test_recurrence_from_completion(text: str) -> None:
    task = add(text)
    assert (task.title, task.recurrence, task.repeat_from_completion) == (
        "water the ferns",
        "FREQ=DAILY;INTERVAL=3",
        True,
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("add launch in 99999999999 days", "too far"),
        ("add capsule in 8000 years", "too far"),
        ("add capsule on 9500-01-01", "too far"),
        ("add floss every 2 days after I finish for 10 times", "end date"),
        ("add census every 11 years", "INTERVAL must be at most 10"),  # the API's own bound
    ],
)
def test_phrases_that_cannot_be_honoured_are_clear_errors(text: str, says: str) -> None:
    with pytest.raises(PhraseError, match=says):
        parse_message(text, NOW)


def test_first_occurrence_is_bounded() -> None:
    never = RecurrenceSpec("YEARLY", bymonth=2, bymonthday=30)  # no February 30th, ever
    with pytest.raises(PhraseError, match="no occurrence"):
        first_occurrence(never, NOW)
    late = RecurrenceSpec("DAILY")
    with pytest.raises(PhraseError, match="too far"):
        first_occurrence(late, NOW, not_before=datetime(8995, 1, 1).date())


@pytest.mark.parametrize(
    ("text", "titles"),
    [
        ("add milk and eggs", ["milk", "eggs"]),
        ("add milk, eggs and bread", ["milk", "eggs", "bread"]),
        ("add pick up the kids and walk the dog", ["pick up the kids", "walk the dog"]),
        ("buy bread; call mom tomorrow", ["buy bread", "call mom"]),
        ("add call the bank\nrenew passport friday", ["call the bank", "renew passport"]),
    ],
)
def test_several_tasks(text: str, titles: list[str]) -> None:
    result = parse_message(text, NOW)
    assert isinstance(result, AddTasks), result
    assert [t.title for t in result.tasks] == titles


@pytest.mark.parametrize(
    "text",
    [
        "add call mom and dad",
        'add "salt and pepper"',
        "remind me to buy milk and eggs",
        "add meds at 8am and 8pm every day",
    ],
)
def test_one_task_stays_one(text: str) -> None:
    assert isinstance(parse_message(text, NOW), AddTask)


def test_time_phrase_first_quotes_and_verbs() -> None:
    task = add("tomorrow at 5pm remind me to call mom")
    assert (task.title, task.due_at) == ("call mom", datetime(2026, 11, 27, 17, 0, tzinfo=BERLIN))
    assert task.reminder_at == task.due_at
    quoted = add('add "call mom tomorrow" on friday')
    assert (quoted.title, quoted.due_at) == (
        "call mom tomorrow",
        datetime(2026, 11, 27, 9, 0, tzinfo=BERLIN),
    )
    for text in (
        "ping me to stretch at 6pm",
        "nudge me to stretch at 6pm",
        "don't let me forget to stretch at 6pm",
        "give me a heads-up to stretch at 6pm",
        "make sure I stretch at 6pm",
    ):
        got = add(text)
        assert (got.title, got.reminder_at) == (
            "stretch",
            datetime(2026, 11, 26, 18, 0, tzinfo=BERLIN),
        ), text


def test_typos_in_grammar_words_only() -> None:
    assert correct_typos("call mom tommorow on wensday") == "call mom tomorrow on wednesday"
    for kept in ("remember the milk", "buy dairy", '"tommorow" #wensday', "clean the house"):
        assert correct_typos(kept) == kept


def test_lists() -> None:
    assert add("add eggs to my groceries list").list_name == "groceries"
    assert add("put oil on the shopping list").list_name == "shopping"
    hinted = add("add talk to mom")  # only an existing list "mom" would take it
    assert (hinted.title, hinted.list_name, hinted.list_hint) == ("talk to mom", None, "mom")
    shown = parse_message("what's on my work list?", NOW)
    assert isinstance(shown, ListTasks) and shown.list_name == "work" and shown.search is None
    moved = parse_message("move it to the personal list", NOW)
    assert isinstance(moved, UpdateTask) and (moved.ref, moved.list_name) == ("it", "personal")
    dated = parse_message("move report to friday", NOW)
    assert isinstance(dated, UpdateTask) and dated.list_name is None and dated.due_at is not None


def test_a_time_zone_named_after_the_time() -> None:
    utc = ZoneInfo("UTC")
    assert add("add call Bob tomorrow at 9am UTC").due_at == datetime(
        2026, 11, 27, 9, 0, tzinfo=utc
    )
    # 17:00 in New York (EST, UTC-5) is 23:00 in Berlin (CET)
    assert add("add sync at 5pm EST tomorrow").due_at == datetime(
        2026, 11, 27, 23, 0, tzinfo=BERLIN
    )
    assert add("add sync tomorrow at 8am new york time").due_at == datetime(
        2026, 11, 27, 14, 0, tzinfo=BERLIN
    )
    # not a zone: the words stay in the title
    assert add("add meet at 3pm at the cafe").title == "meet at the cafe"


def test_an_hourly_repeat_runs_on_the_grid_of_its_start_time() -> None:
    early = datetime(2026, 11, 26, 3, 0, tzinfo=BERLIN)
    pills = parse_message("add pills every 12 hours starting at 7pm", early)
    assert isinstance(pills, AddTask)
    assert pills.due_at == datetime(2026, 11, 26, 7, 0, tzinfo=BERLIN)  # 7am is on the grid
    later = parse_message("add pills every 12 hours starting tomorrow at 7pm", early)
    assert isinstance(later, AddTask)
    assert later.due_at == datetime(2026, 11, 27, 19, 0, tzinfo=BERLIN)
