"""The intent families added for issue 21: small talk, other languages, undo, bulk actions,
snooze, corrections, several tasks in one message, filler kept out of titles."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agent.nlp import (
    AddReminder,
    AddTask,
    AddTasks,
    BulkAction,
    CompleteTask,
    DeleteTask,
    ListTasks,
    OtherLanguage,
    SmallTalk,
    Snooze,
    TaskFilter,
    Undo,
    UpdateTask,
    parse_message,
)
from agent.nlp.compound import capture_items
from agent.nlp.filler import strip_filler

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)  # a Thursday


@pytest.mark.parametrize(
    "text", ["thanks!", "thank you so much :)", "hi", "good morning", "lol", "🙂", "haha nice"]
)
def test_small_talk(text: str) -> None:
    assert isinstance(parse_message(text, NOW), SmallTalk)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Erinnere mich morgen an den Zahnarzt", "German"),
        ("recuérdame llamar a mi madre", "Spanish"),
        ("rappelle-moi d'acheter du pain", "French"),
    ],
)
def test_another_language(text: str, lang: str) -> None:
    assert parse_message(text, NOW) == OtherLanguage(language=lang)


@pytest.mark.parametrize(
    "text",
    ["add pan con tomate to the menu", "call mom mon 9am est", "add meeting with Hans und Greta"],
)
def test_english_with_a_foreign_word_stays_english(text: str) -> None:
    assert not isinstance(parse_message(text, NOW), OtherLanguage)


@pytest.mark.parametrize(
    "text",
    ["undo", "undo that", "oops, undo", "revert that", "ctrl+z", "take that back", "can you undo"],
)
def test_undo(text: str) -> None:
    assert isinstance(parse_message(text, NOW), Undo)


DONE = TaskFilter(status="completed")


@pytest.mark.parametrize(
    ("text", "action", "expected"),
    [
        ("delete all completed", "delete", DONE),
        ("clear completed tasks", "delete", DONE),
        ("delete everything tagged travel", "delete", TaskFilter(tag="travel")),
        ("delete all travel tasks", "delete", TaskFilter(category="travel")),
        ("complete all overdue", "complete", TaskFilter(due="overdue")),
        ("mark all of them done", "complete", TaskFilter(listed=True)),
    ],
)
def test_bulk(text: str, action: str, expected: TaskFilter) -> None:
    got = parse_message(text, NOW)
    assert isinstance(got, BulkAction)
    assert (got.action, got.filter) == (action, expected)


def test_a_plural_with_a_filter_means_all() -> None:
    got = parse_message("complete overdue tasks", NOW)
    assert isinstance(got, BulkAction) and got.filter == TaskFilter(due="overdue")
    assert isinstance(parse_message("delete tasks", NOW), DeleteTask)  # too little to act on


def test_a_title_with_all_in_it_is_no_bulk_action() -> None:
    assert not isinstance(parse_message("complete all the paperwork", NOW), BulkAction)
    assert not isinstance(parse_message("remove all reminders for the dentist", NOW), BulkAction)


def test_snooze() -> None:
    assert parse_message("snooze call mom by an hour", NOW) == Snooze(ref="call mom", minutes=60)
    assert parse_message("push the dentist back by 30 minutes", NOW) == Snooze(
        ref="the dentist", minutes=30
    )


def test_corrections_change_the_last_task() -> None:
    fixed = parse_message("oops i meant 5pm", NOW)
    assert isinstance(fixed, UpdateTask) and fixed.ref == "it" and fixed.keep == "date"
    assert fixed.due_at is not None and fixed.due_at.hour == 17
    moved = parse_message("change the time to 4pm", NOW)
    assert isinstance(moved, UpdateTask) and moved.ref == "it"
    renamed = parse_message("sorry, I meant call dad", NOW)
    assert renamed == UpdateTask(ref="it", new_title="call dad")
    assert parse_message("make it high priority", NOW) == UpdateTask(ref="it", priority="high")


def test_a_statement_then_it_names_the_task() -> None:
    assert parse_message("the prescription is picked up, mark it complete", NOW) == CompleteTask(
        ref="the prescription"
    )
    assert parse_message("actually delete that", NOW) == DeleteTask(ref="that")


def test_a_position_is_no_date() -> None:
    assert isinstance(parse_message("complete the 2nd one", NOW), CompleteTask)


def test_queries_filter() -> None:
    assert parse_message("what's due next week?", NOW) == ListTasks(due="next_week")
    assert parse_message("what has no due date", NOW) == ListTasks(due="no_date")
    assert parse_message("what did I finish?", NOW) == ListTasks(status="completed")
    assert parse_message("show my work tasks", NOW) == ListTasks(category="work")
    assert parse_message("#work", NOW) == ListTasks(tag="work")
    assert parse_message("tasks for tomorrow?", NOW) == ListTasks(due="tomorrow")


def test_several_tasks_each_with_its_own_date() -> None:
    got = parse_message("I need to: buy milk, call the bank tomorrow at 11, email Sam", NOW)
    assert isinstance(got, AddTasks)
    assert [t.title for t in got.tasks] == ["buy milk", "call the bank", "email Sam"]
    assert got.tasks[1].due_at == datetime(2026, 11, 27, 11, 0, tzinfo=BERLIN)
    assert got.tasks[0].due_at is None
    run_on = parse_message("buy milk and call the bank and email Sam", NOW)
    assert isinstance(run_on, AddTasks) and len(run_on.tasks) == 3
    lines = parse_message("todo:\n- renew insurance\n- book flights #travel", NOW)
    assert isinstance(lines, AddTasks)
    assert [(t.title, t.tags) for t in lines.tasks] == [
        ("renew insurance", []),
        ("book flights", ["travel"]),
    ]


@pytest.mark.parametrize(
    "text", ["buy salt and pepper", "call mom and dad tomorrow", "add mac and cheese"]
)
def test_one_thing_stays_one_task(text: str) -> None:
    assert not isinstance(parse_message(text, NOW), AddTasks)


def test_capture_items_needs_a_verb_to_split_a_run_on() -> None:
    assert capture_items("call mom and dad") is None
    assert capture_items("pick up the kids and walk the dog") == (
        "",
        ["pick up the kids", "walk the dog"],
    )


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("URGENT renew passport", "renew passport"),
        ("ugh i have to do my taxes", "do my taxes"),
        ("dont forget to buy cat food", "buy cat food"),
        ("gotta pay the electricity bill", "pay the electricity bill"),
        ("pls add call the bank", "call the bank"),
        ("add order new glasses!!!", "order new glasses"),
        ("🙏 add water the plants", "water the plants"),
    ],
)
def test_filler_never_in_titles(text: str, title: str) -> None:
    got = parse_message(text, NOW)
    assert isinstance(got, AddTask) and got.title == title


def test_strip_filler_keeps_a_message_of_emoji() -> None:
    assert strip_filler("🙂") == "🙂"
    assert strip_filler("URGENT: call the bank") == "call the bank urgent"


def test_a_reminder_relative_to_the_due_time_in_words() -> None:
    got = parse_message("add dentist friday at 3pm, remind me the day before", NOW)
    assert isinstance(got, AddTask) and got.title == "dentist"
    assert got.reminder_before_minutes == 24 * 60
    night = parse_message("remind me to call mom friday at 5pm the night before", NOW)
    assert isinstance(night, AddTask)
    assert night.reminder_at == datetime(2026, 11, 26, 20, 0, tzinfo=BERLIN)
    kept = parse_message("finish the slides an hour before the meeting friday", NOW)
    assert isinstance(kept, AddTask) and "hour before" in kept.title  # no remind lead: title
    later = parse_message("remind me about the dentist the day before", NOW)
    assert later == AddReminder(ref="the dentist", before_minutes=24 * 60)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("delete the groceries list", "groceries"),
        ("delete my shopping list", "shopping"),
        ("remove the work list", "work"),
        ("get rid of the shopping list", "shopping"),
        ("please delete the whole travel list", "travel"),
        ("trash my home improvement list", "home improvement"),
    ],
)
def test_deleting_a_list_by_name_is_a_bulk_delete_of_it(text: str, name: str) -> None:
    got = parse_message(text, NOW)
    assert isinstance(got, BulkAction)
    assert (got.action, got.filter.list_name) == ("delete", name)


@pytest.mark.parametrize(
    "text",
    [
        "delete the task make a packing list",
        "delete make a packing list",
        "delete the to-do list",
        "delete the list",
        "delete from my list",
        "remove my whole list",
    ],
)
def test_a_task_with_list_in_its_title_stays_a_single_delete(text: str) -> None:
    assert isinstance(parse_message(text, NOW), DeleteTask)
