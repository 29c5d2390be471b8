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
