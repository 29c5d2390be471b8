"""Unit tests for the offline intent parser (agent.nlp)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent.nlp import (
    AddReminder,
    AddTask,
    CompleteTask,
    Confirm,
    DeleteTask,
    Help,
    IntentAdapter,
    ListTasks,
    RemoveReminder,
    ReopenTask,
    SetRecurrence,
    SetTimezone,
    Unknown,
    UpdateTask,
    parse_message,
)

NY = ZoneInfo("America/New_York")
KHI = ZoneInfo("Asia/Karachi")
UTC = ZoneInfo("UTC")
# Thursday 2026-11-26 14:00 local.
NOW_NY = datetime(2026, 11, 26, 14, 0, tzinfo=NY)
NOW_KHI = datetime(2026, 11, 26, 14, 0, tzinfo=KHI)
NOW_UTC = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


def at(now: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    d = now.date() + timedelta(days=days)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=now.tzinfo)


def add(now: datetime, text: str) -> AddTask:
    result = parse_message(text, now)
    assert isinstance(result, AddTask), result
    return result


# ----------------------------------------------------------- public scenarios (20)


def test_public_add_plain() -> None:
    r = add(NOW_KHI, "add buy milk")
    assert r == AddTask(title="buy milk")


def test_public_remind_tomorrow_time() -> None:
    r = add(NOW_KHI, "remind me to call mom tomorrow at 5pm")
    assert r.title == "call mom"
    assert r.due_at == at(NOW_KHI, 1, 17)
    assert r.reminder_at == r.due_at
    assert r.due_at.tzinfo == KHI


def test_public_priority_by_weekday() -> None:
    r = add(NOW_NY, "create a high priority task to submit the report by friday")
    assert (r.title, r.priority) == ("submit the report", "high")
    assert r.due_at == datetime(2026, 11, 27, 9, 0, tzinfo=NY)


def test_public_weekly_monday() -> None:
    r = add(NOW_KHI, "add water the plants every monday at 9am")
    assert r.title == "water the plants"
    assert r.recurrence == "FREQ=WEEKLY;BYDAY=MO"
    assert r.due_at == datetime(2026, 11, 30, 9, 0, tzinfo=KHI)


def test_public_absolute_date() -> None:
    r = add(NOW_UTC, "add dentist appointment on 2027-01-15 at 10:30")
    assert r.title == "dentist appointment"
    assert r.due_at == datetime(2027, 1, 15, 10, 30, tzinfo=UTC)


def test_public_hashtags() -> None:
    r = add(NOW_KHI, "add book flights #travel #urgent")
    assert r.title == "book flights"
    assert r.tags == ["travel", "urgent"]


def test_public_in_two_hours() -> None:
    r = add(NOW_NY, "add pick up laundry in 2 hours")
    assert r.title == "pick up laundry"
    assert r.due_at == NOW_NY + timedelta(hours=2)


def test_public_complete() -> None:
    assert parse_message("add buy milk", NOW_KHI) == AddTask(title="buy milk")
    assert parse_message("mark buy milk as done", NOW_KHI) == CompleteTask(ref="buy milk")


def test_public_delete_then_yes() -> None:
    assert parse_message("add buy bread", NOW_KHI) == AddTask(title="buy bread")
    assert parse_message("delete buy milk", NOW_KHI) == DeleteTask(ref="buy milk")
    assert parse_message("yes", NOW_KHI) == Confirm(yes=True)


def test_public_weekdays() -> None:
    r = add(NOW_KHI, "add stand-up meeting every weekday at 9:30")
    assert r.title == "stand-up meeting"
    assert r.recurrence == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert r.due_at == datetime(2026, 11, 27, 9, 30, tzinfo=KHI)


def test_public_monthly_first() -> None:
    r = add(NOW_UTC, "add pay rent on the 1st of every month")
    assert r.title == "pay rent"
    assert r.recurrence == "FREQ=MONTHLY;BYMONTHDAY=1"
    assert r.due_at == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_public_set_priority() -> None:
    r = parse_message("change the priority of buy milk to high", NOW_KHI)
    assert r == UpdateTask(ref="buy milk", priority="high")


def test_public_reschedule() -> None:
    r = parse_message("move dentist appointment to tomorrow at 3pm", NOW_KHI)
    assert r == UpdateTask(ref="dentist appointment", due_at=at(NOW_KHI, 1, 15))


def test_public_list() -> None:
    assert parse_message("add call the plumber", NOW_KHI) == AddTask(title="call the plumber")
    assert parse_message("what's on my list?", NOW_KHI) == ListTasks()


def test_public_remind_before() -> None:
    r = add(NOW_NY, "add team sync tomorrow at 11am")
    assert (r.title, r.due_at) == ("team sync", at(NOW_NY, 1, 11))
    r2 = parse_message("remind me 30 minutes before team sync", NOW_NY)
    assert r2 == AddReminder(ref="team sync", before_minutes=30)


def test_public_tag_and_priority() -> None:
    r = add(NOW_KHI, "add call the bank #finance high priority")
    assert (r.title, r.tags, r.priority) == ("call the bank", ["finance"], "high")


def test_public_rename() -> None:
    r = parse_message("rename buy milk to buy oat milk", NOW_KHI)
    assert r == UpdateTask(ref="buy milk", new_title="buy oat milk")


def test_public_date_only() -> None:
    r = add(NOW_NY, "add email John about the contract tomorrow")
    assert r.title == "email John about the contract"
    assert r.due_at == at(NOW_NY, 1, 9)


def test_public_show_completed() -> None:
    assert parse_message("add walk the dog", NOW_KHI) == AddTask(title="walk the dog")
    assert parse_message("mark walk the dog as done", NOW_KHI) == CompleteTask(ref="walk the dog")
    assert parse_message("show my completed tasks", NOW_KHI) == ListTasks(status="completed")


def test_public_no_leak_show_all() -> None:
    assert parse_message("show all tasks", NOW_KHI) == ListTasks(status="all")


# ------------------------------------------------------------------ add phrasings


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("todo: renew passport", "renew passport"),
        ("I need to call the plumber", "call the plumber"),
        ("don't forget to feed the cat", "feed the cat"),
        ("remember to back up the laptop", "back up the laptop"),
        ("new task: prepare slides", "prepare slides"),
        ("add a task called prepare slides", "prepare slides"),
        ("make a new task to clean the fridge", "clean the fridge"),
        ("please add buy milk to my shopping list", "buy milk"),
        ("add ask me about march madness", "ask me about march madness"),
        ("add may day parade prep", "may day parade prep"),
        ("add read important email", "read important email"),
    ],
)
def test_add_titles(text: str, title: str) -> None:
    r = add(NOW_NY, text)
    assert r.title == title
    assert r.due_at is None
    assert r.recurrence is None


@pytest.mark.parametrize(
    ("text", "title", "due"),
    [
        ("don't forget to water the plants tonight", "water the plants", at(NOW_NY, 0, 20)),
        ("remember to buy eggs this evening", "buy eggs", at(NOW_NY, 0, 18)),
        ("add lunch with sam next friday at noon", "lunch with sam", at(NOW_NY, 1, 12)),
        ("add take out the trash in 30 minutes", "take out the trash", at(NOW_NY, 0, 14, 30)),
        ("add doctor visit on Dec 3 at 4:15pm", "doctor visit", at(NOW_NY, 7, 16, 15)),
        ("add submit taxes 12/03", "submit taxes", at(NOW_NY, 7, 9)),
        ("add dinner with Ana on sat at 7:30pm", "dinner with Ana", at(NOW_NY, 2, 19, 30)),
        ("add renew license in 3 days", "renew license", at(NOW_NY, 3, 9)),
        ("add meet at the cafe at 5pm with bob", "meet at the cafe with bob", at(NOW_NY, 0, 17)),
        ("add buy milk at 10am", "buy milk", at(NOW_NY, 1, 10)),
        ("add buy milk today", "buy milk", at(NOW_NY, 0, 23, 59)),
        ("add review thursday", "review", at(NOW_NY, 7, 9)),
        ("add review thursday at 4pm", "review", at(NOW_NY, 0, 16)),
        ("add call mom at 6", "call mom", at(NOW_NY, 0, 18)),
        ("call mom tomorrow at 5", "call mom", at(NOW_NY, 1, 17)),
        ("add book hotel by next week", "book hotel", at(NOW_NY, 4, 9)),
        (
            "add buy flowers for Anna's birthday on march 3rd",
            "buy flowers for Anna's birthday",
            datetime(2027, 3, 3, 9, 0, tzinfo=NY),
        ),
        ("finish the slides by friday", "finish the slides", at(NOW_NY, 1, 9)),
    ],
)
def test_add_with_due(text: str, title: str, due: datetime) -> None:
    r = add(NOW_NY, text)
    assert (r.title, r.due_at) == (title, due)
    assert r.due_at is not None and r.due_at.tzinfo == NY


@pytest.mark.parametrize(
    ("text", "title", "rrule", "due"),
    [
        ("add workout every day at 7am", "workout", "FREQ=DAILY", at(NOW_NY, 1, 7)),
        ("add take vitamins daily at 8pm", "take vitamins", "FREQ=DAILY", at(NOW_NY, 0, 20)),
        (
            "add review budget every 2 weeks on tuesday",
            "review budget",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            at(NOW_NY, 5, 9),
        ),
        ("add stretch every other day", "stretch", "FREQ=DAILY;INTERVAL=2", at(NOW_NY, 1, 9)),
        ("add clean the house weekly", "clean the house", "FREQ=WEEKLY", at(NOW_NY, 1, 9)),
        (
            "add pay credit card monthly on the 15th",
            "pay credit card",
            "FREQ=MONTHLY;BYMONTHDAY=15",
            at(NOW_NY, 19, 9),
        ),
        (
            "add mom's birthday every year on march 3",
            "mom's birthday",
            "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3",
            datetime(2027, 3, 3, 9, 0, tzinfo=NY),
        ),
        ("add laundry every weekend", "laundry", "FREQ=WEEKLY;BYDAY=SA,SU", at(NOW_NY, 2, 9)),
        ("add gym every mon and wed at 6pm", "gym", "FREQ=WEEKLY;BYDAY=MO,WE", at(NOW_NY, 4, 18)),
        ("add water plants on mondays", "water plants", "FREQ=WEEKLY;BYDAY=MO", at(NOW_NY, 4, 9)),
        (
            "add team lunch every first friday of the month",
            "team lunch",
            "FREQ=MONTHLY;BYDAY=1FR",
            at(NOW_NY, 8, 9),
        ),
        (
            "add pay rent on the last day of every month",
            "pay rent",
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            at(NOW_NY, 4, 9),
        ),
        (
            "add call dad every sunday evening",
            "call dad",
            "FREQ=WEEKLY;BYDAY=SU",
            at(NOW_NY, 3, 18),
        ),
        ("add journal every night", "journal", "FREQ=DAILY", at(NOW_NY, 0, 20)),
        (
            "add yoga every tuesday and thursday at 6:30am",
            "yoga",
            "FREQ=WEEKLY;BYDAY=TU,TH",
            at(NOW_NY, 5, 6, 30),
        ),
    ],
)
def test_add_recurring(text: str, title: str, rrule: str, due: datetime) -> None:
    r = add(NOW_NY, text)
    assert (r.title, r.recurrence, r.due_at) == (title, rrule, due)


@pytest.mark.parametrize(
    ("text", "priority"),
    [
        ("add fix bug urgent", "high"),
        ("add fix bug, it's important", "high"),
        ("add fix bug !high", "high"),
        ("add fix bug low priority", "low"),
        ("add fix bug p1", "high"),
        ("add fix bug with medium priority", "medium"),
        ("add an urgent task to fix bug", "high"),
    ],
)
def test_add_priority(text: str, priority: str) -> None:
    r = add(NOW_NY, text)
    assert (r.title, r.priority) == ("fix bug", priority)


def test_add_reminder_clauses() -> None:
    r = add(NOW_NY, "add team sync tomorrow at 11am and remind me 30 minutes before")
    assert (r.title, r.due_at, r.reminder_before_minutes) == ("team sync", at(NOW_NY, 1, 11), 30)
    assert r.reminder_at is None
    r = add(NOW_NY, "add team sync tomorrow at 11am, remind me at 10am")
    assert r.reminder_at == at(NOW_NY, 1, 10)
    r = add(NOW_NY, "remind me to stretch")
    assert (r.title, r.due_at, r.reminder_at) == ("stretch", None, None)


def test_add_description() -> None:
    r = add(NOW_NY, "add pay electricity bill, description: account 1234")
    assert (r.title, r.description) == ("pay electricity bill", "account 1234")


# ------------------------------------------------------------ other intents


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("finish the slides", CompleteTask(ref="the slides")),
        ("the slides are done", CompleteTask(ref="the slides")),
        ("the slides is done", CompleteTask(ref="the slides")),
        ("complete the slides", CompleteTask(ref="the slides")),
        ("I finished the slides", CompleteTask(ref="the slides")),
        ("I've completed the taxes", CompleteTask(ref="the taxes")),
        ("check off laundry", CompleteTask(ref="laundry")),
        ("cross laundry off my list", CompleteTask(ref="laundry")),
        ("done with the slides", CompleteTask(ref="the slides")),
        ("mark task 3 as done", CompleteTask(ref="#3")),
        ("mark the buy milk task as complete", CompleteTask(ref="buy milk")),
        ("reopen buy milk", ReopenTask(ref="buy milk")),
        ("undo buy milk", ReopenTask(ref="buy milk")),
        ("mark laundry as not done", ReopenTask(ref="laundry")),
        ("the slides isn't done", ReopenTask(ref="the slides")),
        ("put laundry back on my list", ReopenTask(ref="laundry")),
        ("remove buy milk", DeleteTask(ref="buy milk")),
        ("cancel buy milk", DeleteTask(ref="buy milk")),
        ("get rid of laundry", DeleteTask(ref="laundry")),
        ("I no longer need to buy milk", DeleteTask(ref="buy milk")),
        ("delete #4", DeleteTask(ref="#4")),
        (
            "delete 0f8fad5b-d9cb-469f-a165-70867728950e",
            DeleteTask(ref="0f8fad5b-d9cb-469f-a165-70867728950e"),
        ),
        ("cancel", Confirm(yes=False)),
        ("nope", Confirm(yes=False)),
        ("don't", Confirm(yes=False)),
        ("sure", Confirm(yes=True)),
        ("do it", Confirm(yes=True)),
        ("Yeah!", Confirm(yes=True)),
        ("help", Help()),
        ("what can you do?", Help()),
        ("my time zone is Europe/Berlin", SetTimezone(tz="Europe/Berlin")),
        ("set timezone to America/New_York", SetTimezone(tz="America/New_York")),
        ("set my timezone to new york", SetTimezone(tz="America/New_York")),
        ("I'm in karachi", SetTimezone(tz="Asia/Karachi")),
        ("my timezone is Narnia/Cair_Paravel", Unknown(text="my timezone is Narnia/Cair_Paravel")),
        ("buy milk", Unknown(text="buy milk")),
        ("what time is it", Unknown(text="what time is it")),
    ],
)
def test_simple_intents(text: str, expected: object) -> None:
    assert parse_message(text, NOW_NY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "remind me about the dentist at 4pm",
            AddReminder(ref="the dentist", at=at(NOW_NY, 0, 16)),
        ),
        ("remind me an hour before standup", AddReminder(ref="standup", before_minutes=60)),
        ("remind me a day before rent", AddReminder(ref="rent", before_minutes=1440)),
        ("remind me about report tomorrow", AddReminder(ref="report", at=at(NOW_NY, 1, 9))),
        ("stop reminding me about report", RemoveReminder(ref="report")),
        ("remove the reminder for report", RemoveReminder(ref="report")),
        ("turn off reminders for report", RemoveReminder(ref="report")),
        (
            "make water the plants repeat every week",
            SetRecurrence(ref="water the plants", recurrence="FREQ=WEEKLY"),
        ),
        (
            "water the plants should repeat daily",
            SetRecurrence(ref="water the plants", recurrence="FREQ=DAILY"),
        ),
        (
            "set report to repeat every monday",
            SetRecurrence(ref="report", recurrence="FREQ=WEEKLY;BYDAY=MO"),
        ),
        ("make standup weekly", SetRecurrence(ref="standup", recurrence="FREQ=WEEKLY")),
        ("set buy milk priority to low", UpdateTask(ref="buy milk", priority="low")),
        ("make buy milk high priority", UpdateTask(ref="buy milk", priority="high")),
        ("mark report as urgent", UpdateTask(ref="report", priority="high")),
        ("push report to friday", UpdateTask(ref="report", due_at=at(NOW_NY, 1, 9))),
        ("report is due friday", UpdateTask(ref="report", due_at=at(NOW_NY, 1, 9))),
        (
            "reschedule the dentist for next monday at 10am",
            UpdateTask(ref="the dentist", due_at=at(NOW_NY, 4, 10)),
        ),
        (
            "change the due date of report to dec 5",
            UpdateTask(ref="report", due_at=at(NOW_NY, 9, 9)),
        ),
        (
            "change weekly review to friday",
            UpdateTask(ref="weekly review", due_at=at(NOW_NY, 1, 9)),
        ),
        (
            "change buy milk to buy almond milk",
            UpdateTask(ref="buy milk", new_title="buy almond milk"),
        ),
        (
            "tag buy milk with groceries and errands",
            UpdateTask(ref="buy milk", add_tags=["groceries", "errands"]),
        ),
        ("add #home to buy milk", UpdateTask(ref="buy milk", add_tags=["home"])),
        (
            "add a note to buy milk: get the 2% one",
            UpdateTask(ref="buy milk", description="get the 2% one"),
        ),
    ],
)
def test_task_edits(text: str, expected: object) -> None:
    assert parse_message(text, NOW_NY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what's pending", ListTasks(status="pending")),
        ("list tasks", ListTasks()),
        ("show tasks tagged work", ListTasks(tag="work")),
        ("show high priority tasks", ListTasks(priority="high")),
        ("what's due today", ListTasks(due="today")),
        ("what do I have tomorrow", ListTasks(due="tomorrow")),
        ("anything overdue?", ListTasks(due="overdue")),
        ("what's due this week", ListTasks(due="week")),
        ("find tasks about milk", ListTasks(search="milk")),
        ("search for dentist", ListTasks(search="dentist")),
        ("show my pending tasks for today", ListTasks(status="pending", due="today")),
    ],
)
def test_list_filters(text: str, expected: ListTasks) -> None:
    assert parse_message(text, NOW_NY) == expected


# ------------------------------------------------------------- zones and DST


def test_datetimes_are_in_users_zone() -> None:
    for now in (NOW_NY, NOW_KHI, NOW_UTC):
        r = add(now, "add call mom tomorrow at 5pm")
        assert r.due_at == at(now, 1, 17)
        assert r.due_at is not None and r.due_at.tzinfo == now.tzinfo


def test_recurrence_first_occurrence_across_dst_keeps_wall_clock() -> None:
    now = datetime(2026, 10, 31, 14, 0, tzinfo=NY)  # EDT; DST ends 2026-11-01
    r = add(now, "add church every sunday at 9am")
    assert r.due_at == datetime(2026, 11, 1, 9, 0, tzinfo=NY)
    assert r.due_at is not None and r.due_at.utcoffset() == timedelta(hours=-5)


def test_relative_hours_across_dst_are_exact() -> None:
    now = datetime(2026, 11, 1, 0, 30, tzinfo=NY)
    r = add(now, "add x in 2 hours")
    assert r.due_at is not None
    assert r.due_at.astimezone(UTC) - now.astimezone(UTC) == timedelta(hours=2)
    assert (r.due_at.hour, r.due_at.minute, r.due_at.fold) == (1, 30, 1)


def test_nonexistent_local_time_is_normalised() -> None:
    now = datetime(2026, 3, 7, 14, 0, tzinfo=NY)  # DST starts 2026-03-08 02:00
    r = add(now, "add x tomorrow at 2:30am")
    assert r.due_at is not None
    assert (r.due_at.hour, r.due_at.minute) == (3, 30)
    assert r.due_at.utcoffset() == timedelta(hours=-4)


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError):
        parse_message("add x", datetime(2026, 1, 1, 12, 0))


def test_intent_adapter_round_trip() -> None:
    r = add(NOW_KHI, "add water the plants every monday at 9am #home")
    again = IntentAdapter.validate_json(r.model_dump_json())
    assert again == r
