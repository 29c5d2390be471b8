"""How a deadline and a duration read in chat replies, tables and `todo tasks`
(backend_services/kernel/wording.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from backend_services.kernel import wording

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # Friday, 10:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")


def _task(**fields: object) -> dict[str, object]:
    return {"id": "t", "title": "file taxes", "status": "pending", "tags": []} | fields


def test_durations_in_words() -> None:
    assert [wording.duration_words(m) for m in (5, 60, 90, 120, 1440)] == [
        "5 min",
        "1 h",
        "1 h 30 min",
        "2 h",
        "24 h",
    ]


def test_one_line_and_added_name_deadline_and_duration() -> None:
    task = _task(deadline="2026-12-01", duration_minutes=45)
    assert wording.one_line(task, BERLIN, NOW) == "file taxes, deadline Tue, takes 45 min"
    assert wording.added(task, BERLIN, NOW) == "Added: file taxes, deadline Tue, takes 45 min."
    assert wording.one_line(_task(), BERLIN, NOW) == "file taxes"


def test_tables_show_them() -> None:
    task = _task(deadline="2026-11-27", duration_minutes=90)
    table = wording.table([task], BERLIN, NOW)
    assert "⏳ by today" in table and "⏱ 1 h 30 min" in table
    assert "deadline today" in wording.plain_table([task], BERLIN, NOW)


def test_a_malformed_deadline_is_left_out_not_a_crash() -> None:
    assert wording.one_line(_task(deadline="not a date"), BERLIN, NOW) == "file taxes"
