"""Recurrence phrases (agent.nlp.recurrence) -> RRULE, and their first occurrence."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agent.nlp.dates import extract_datetime
from agent.nlp.recurrence import find_recurrence, first_occurrence

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # a Sunday


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("pay bills on the 1st and 15th", "FREQ=MONTHLY;BYMONTHDAY=1,15"),
        ("pay bills every 1st, 10th and 20th", "FREQ=MONTHLY;BYMONTHDAY=1,10,20"),
        ("rent on the 15th and the last day of the month", "FREQ=MONTHLY;BYMONTHDAY=15,-1"),
        ("book club every 2nd and 4th thursday", "FREQ=MONTHLY;BYDAY=2TH,4TH"),
        ("gym mon/wed/fri", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        ("gym every mon, wed and fri", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        ("swim twice a week, mon and thu", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("review first Monday of each month", "FREQ=MONTHLY;BYDAY=1MO"),
        ("drinks every last friday", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("invoice last weekday of the month", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),
        ("meetup every 3rd tuesday", "FREQ=MONTHLY;BYDAY=3TU"),
        ("bins every other tuesday", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
        ("plants every 3 weeks", "FREQ=WEEKLY;INTERVAL=3"),
        ("report every quarter", "FREQ=MONTHLY;INTERVAL=3"),
        ("report quarterly", "FREQ=MONTHLY;INTERVAL=3"),
        ("birthday every jan 5", "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=5"),
        ("birthday every year on 5 march", "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=5"),
        ("physio every wednesday for 6 weeks", "FREQ=WEEKLY;BYDAY=WE;UNTIL=20270116T235959"),
        ("yoga every monday until march 1", "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270301T235959"),
        ("sync every 2 weeks on mon, tue and wed", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE"),
    ],
)
def test_rules(text: str, rule: str) -> None:
    spec = find_recurrence(text, NOW)
    assert spec is not None
    assert spec.rrule() == rule


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("pay bills on the 1st and 15th", "2026-12-15 09:00"),
        ("book club every 2nd and 4th thursday at 7pm", "2026-12-10 19:00"),
        ("invoice last weekday of the month", "2026-12-31 09:00"),
        ("mow every other saturday morning", "2026-12-12 09:00"),
        ("yoga every monday starting jan 5", "2027-01-11 09:00"),
        ("gym mon/wed/fri at 7am", "2026-12-07 07:00"),
    ],
)
def test_first_occurrence(text: str, first: str) -> None:
    spec = find_recurrence(text, NOW)
    assert spec is not None
    rest = text
    for a, b in spec.spans:
        rest = rest[:a] + "\x00" * (b - a) + rest[b:]
    dp = extract_datetime(rest, NOW)
    due = first_occurrence(spec, NOW, at=dp.time_part or dp.soft_time, not_before=dp.date_part)
    assert f"{due:%Y-%m-%d %H:%M}" == first


@pytest.mark.parametrize("text", ["call mom on monday", "pay rent on the 1st", "the 2nd draft"])
def test_one_offs_are_no_rule(text: str) -> None:
    assert find_recurrence(text, NOW) is None


def test_quarterly_before_a_noun_is_a_title_word() -> None:
    assert find_recurrence("quarterly taxes on friday at 10am", NOW) is None
    spec = find_recurrence("file taxes quarterly", NOW)
    assert spec is not None and spec.rrule() == "FREQ=MONTHLY;INTERVAL=3"


@pytest.mark.parametrize(
    "text", ["watch the 3rd and 4th episodes", "book 1st and 2nd class tickets"]
)
def test_ordinal_lists_before_nouns_are_no_rule(text: str) -> None:
    assert find_recurrence(text, NOW) is None


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("meditate everyday at 7am", "FREQ=DAILY"),
        ("stretch every single day at 8", "FREQ=DAILY"),
        ("gym every mon wed fri", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
    ],
)
def test_casual_rules(text: str, rule: str) -> None:
    spec = find_recurrence(text, NOW)
    assert spec is not None and spec.rrule() == rule


def test_everyday_as_an_adjective_is_no_rule() -> None:
    assert find_recurrence("buy everyday essentials", NOW) is None
