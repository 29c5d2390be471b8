"""What the task panel shows: sections in the user's day, words from the shared formatter."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chat_ui.panel import MESSAGE_KIND, panel_props

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # Friday, 10:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")


def _task(title: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": title.replace(" ", "-"),
        "title": title,
        "status": "pending",
        "priority": "none",
        "tags": [],
        "due_at": None,
        "recurrence": None,
        "reminders": [],
    } | fields


def test_sections_words_tags_and_ringing_reminders() -> None:
    tasks = [
        _task("late", due_at="2026-11-26T16:00:00+00:00"),
        _task(
            "tonight",
            due_at="2026-11-27T19:00:00+00:00",
            tags=["home"],
            reminders=[{"id": "r", "at": "2026-11-27T18:45:00+00:00", "fired_at": None}],
        ),
        _task(
            "stand-up",
            due_at="2026-11-30T08:30:00+00:00",
            tags=["work"],
            recurrence="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            priority="high",
        ),
        _task("someday"),
        _task("finished", status="completed"),
    ]
    alerts = [{"id": "n1", "task_id": "late", "body": "Reminder: late"}]
    props = panel_props(tasks, alerts, BERLIN, NOW)
    assert props["kind"] == MESSAGE_KIND and props["timezone"] == "Europe/Berlin"
    by_section = {s["key"]: [t["title"] for t in s["tasks"]] for s in props["sections"]}
    assert by_section == {
        "overdue": ["late"],
        "today": ["tonight"],
        "upcoming": ["stand-up"],
        "someday": ["someday"],
    }
    rows = {t["title"]: t for s in props["sections"] for t in s["tasks"]}
    assert rows["tonight"]["when"] == "today 20:00" and rows["tonight"]["reminder"] == "at 19:45"
    assert rows["stand-up"]["repeats"] == "every weekday at 9:30"
    assert rows["stand-up"]["when"] == "Mon 9:30" and rows["stand-up"]["priority"] == "high"
    assert rows["late"]["ringing"] and not rows["tonight"]["ringing"]
    assert props["tags"] == ["home", "work"]
    assert props["alerts"] == [
        {"notification_id": "n1", "task_id": "late", "text": "Reminder: late"}
    ]


def test_completion_repeats_and_lists_are_worded_as_in_the_chat() -> None:
    tasks = [
        _task(
            "water plants",
            due_at="2026-11-30T08:00:00+00:00",
            recurrence="FREQ=DAILY;INTERVAL=3",
            repeat_from_completion=True,
        ),
        _task("stand-up", due_at="2026-11-30T08:30:00+00:00", recurrence="FREQ=DAILY"),
        _task("buy paint", list_name="Home"),
        _task("call mom", list_name="Inbox"),
    ]
    rows = {
        t["title"]: t for s in panel_props(tasks, [], BERLIN, NOW)["sections"] for t in s["tasks"]
    }
    assert rows["water plants"]["repeats"].endswith(" after each completion")
    assert rows["stand-up"]["repeats"] == "every day at 9:30"
    assert rows["buy paint"]["list"] == "Home"
    assert rows["call mom"]["list"] == ""  # the default list goes without saying


def test_a_ringing_reminder_at_its_due_time_is_today_not_overdue() -> None:
    due = "2026-11-27T08:59:59+00:00"  # a second before NOW, when its reminder rang
    tasks = [_task("take out trash", due_at=due), _task("unanswered", due_at=due)]
    alerts = [{"id": "n1", "task_id": "take-out-trash", "body": "Reminder: take out trash"}]
    props = panel_props(tasks, alerts, BERLIN, NOW)
    by_section = {s["key"]: [t["title"] for t in s["tasks"]] for s in props["sections"]}
    assert by_section["today"] == ["take out trash"]  # ringing, highlighted
    assert by_section["overdue"] == ["unanswered"]  # no card waiting: overdue as due


def test_deadline_and_duration_are_worded_in_the_users_day() -> None:
    tasks = [
        _task("taxes", deadline="2026-12-04", duration_minutes=90),
        _task("late report", deadline="2026-11-26"),
        _task("plain"),
    ]
    rows = {
        t["title"]: t for s in panel_props(tasks, [], BERLIN, NOW)["sections"] for t in s["tasks"]
    }
    assert rows["taxes"]["deadline"] == "by Fri 4 Dec" and rows["taxes"]["duration"] == "1 h 30 min"
    assert not rows["taxes"]["deadline_missed"]
    assert (
        rows["late report"]["deadline"] == "by yesterday" and rows["late report"]["deadline_missed"]
    )
    assert rows["plain"]["deadline"] == "" and rows["plain"]["duration"] == ""
