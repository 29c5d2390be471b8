"""Date and time phrases (agent.nlp.dates) against a fixed now, for the classes whose answer
depends on the calendar (so the eval corpus, which runs on any day, cannot state them)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agent.nlp.dates import extract_datetime, month_first
from agent.nlp.text import remove_spans

BERLIN = ZoneInfo("Europe/Berlin")
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 6, 10, 0, tzinfo=BERLIN)  # a Sunday


def when(text: str, now: datetime = NOW) -> tuple[str, str]:
    found = extract_datetime(text, now)
    assert found.when is not None, text
    return f"{found.when:%Y-%m-%d %H:%M}", remove_spans(text, found.spans)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("gym wed 2pm", "2026-12-09 14:00"),
        ("call thurs 3pm", "2026-12-10 15:00"),
        ("gym tues", "2026-12-08 09:00"),
        ("brunch sat morning", "2026-12-12 09:00"),
        ("rent in a fortnight", "2026-12-20 09:00"),
        ("review a week from tomorrow", "2026-12-14 09:00"),
        ("review two weeks from Monday", "2026-12-21 09:00"),
        ("review 3 days after next friday at 4pm", "2026-12-14 16:00"),
        ("dentist 14.03.", "2027-03-14 09:00"),
        ("dentist on 14.03", "2027-03-14 09:00"),
        ("dentist 17-05-2027", "2027-05-17 09:00"),
        ("dentist 05.06.2027 09:40", "2027-06-05 09:40"),
        ("flight 2027-02-09 08:15", "2027-02-09 08:15"),
        ("call tomorrow night at 9", "2026-12-07 21:00"),
        ("drinks friday evening at 6", "2026-12-11 18:00"),
        ("run monday morning at 7", "2026-12-07 07:00"),
        ("run tomorrow at 7 in the morning", "2026-12-07 07:00"),
        ("call at 9 tonight", "2026-12-06 21:00"),
        ("garage this weekend", "2026-12-12 09:00"),
        ("invoice end of the month", "2026-12-31 17:00"),
        ("invoice end of month", "2026-12-31 17:00"),
        ("report end of week", "2026-12-11 17:00"),
        ("report end of next week", "2026-12-18 09:00"),
        ("call at quarter past nine", "2026-12-07 09:15"),
        ("call at half past 3", "2026-12-06 15:30"),
        ("call at ten to five pm", "2026-12-06 16:50"),
        ("call at seven a m", "2026-12-07 07:00"),
        ("lunch at noon tomorrow", "2026-12-07 12:00"),
        ("rent on the 9th", "2026-12-09 09:00"),
        ("rent on the ninth", "2026-12-09 09:00"),
        ("rent the 5th", "2027-01-05 09:00"),
        ("party Friday the 18th", "2026-12-18 09:00"),
        ("party on friday the 15th", "2027-01-15 09:00"),
        ("trip the 3rd of March", "2027-03-03 09:00"),
        ("trip the third of march", "2027-03-03 09:00"),
        ("review the last Friday of next month", "2027-01-29 09:00"),
        ("meeting first monday of january", "2027-01-04 09:00"),
        ("meeting the second tuesday of this month", "2026-12-08 09:00"),
        ("payroll the last weekday of next month", "2027-01-29 09:00"),
        ("call tmw", "2026-12-07 09:00"),
        ("call tmrw 5pm", "2026-12-07 17:00"),
        ("pay rent tom at 3", "2026-12-07 15:00"),
        ("call 2moro", "2026-12-07 09:00"),
        ("call mom tonite", "2026-12-06 20:00"),
        ("check oven in 36 hours", "2026-12-07 22:00"),
        ("check oven in 90 minutes", "2026-12-06 11:30"),
    ],
)
def test_date_classes(text: str, due: str) -> None:
    got, _ = when(text)
    assert got == due


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("call tom at 3", "call tom"),  # a person, the time still read
        ("email Tom at 4pm", "email Tom"),
        ("sit in the sun sat 2pm", "sit in the sun"),
        ("gym wed 2pm", "gym"),
        ("dentist 05.06.2027 09:40", "dentist"),
    ],
)
def test_titles_keep_what_is_no_date(text: str, title: str) -> None:
    _, rest = when(text)
    assert rest == title


@pytest.mark.parametrize("text", ["buy 3.5 kg flour", "read pages 10-12", "the first draft"])
def test_numbers_that_are_no_dates(text: str) -> None:
    assert not extract_datetime(text, NOW).found


def test_numeric_date_order_follows_the_zone() -> None:
    ny_now = NOW.astimezone(NY)
    assert month_first(ny_now) and not month_first(NOW)
    assert when("dentist 3/4", ny_now)[0].startswith("2027-03-04")
    assert when("dentist 3/4")[0].startswith("2027-04-03")
    assert when("dentist 25/12", ny_now)[0].startswith("2026-12-25")  # unambiguous
    assert when("dentist 03.04.")[0].startswith("2027-04-03")  # dotted: always day first


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("meeting tues 10", "2026-12-08 10:00"),
        ("read chapter friday 12", "2026-12-11 12:00"),
        ("call mom tomorrow 5ish", "2026-12-07 17:00"),
        ("invoice by the last day of the month", "2026-12-31 09:00"),
        ("party this friday night at 10", "2026-12-11 22:00"),
        ("call quarter after 5 tomorrow", "2026-12-07 17:15"),
        ("review 2nd tuesday in march", "2027-03-09 09:00"),
        ("bake in 90m", "2026-12-06 11:30"),
        ("buy milk sat am", "2026-12-12 09:00"),
        ("pay the gas bill fri pm", "2026-12-11 15:00"),
        ("call mum tmrw arvo", "2026-12-07 15:00"),
        ("stretch in a fortnight's time", "2026-12-20 09:00"),
        ("meds tonight at half nine", "2026-12-06 21:30"),
        ("gutters this coming weekend", "2026-12-12 09:00"),
        ("call wednesday next week", "2026-12-09 09:00"),
        ("call next week on friday at 4pm", "2026-12-11 16:00"),
        ("call the week after next", "2026-12-14 09:00"),
        ("call thursday of the week after next at 3pm", "2026-12-17 15:00"),
        ("call friday after next", "2026-12-18 09:00"),
        ("call on the 5th of next month", "2027-01-05 09:00"),
        ("call tomorrow lunchtime", "2026-12-07 12:00"),
        ("call first thing tomorrow", "2026-12-07 09:00"),
    ],
)
def test_more_forms(text: str, due: str) -> None:
    assert when(text)[0] == due


@pytest.mark.parametrize("text", ["bake tomorrow 10 cookies", "run 5 miles sat"])
def test_counts_after_a_date_stay_in_the_title(text: str) -> None:
    got, rest = when(text)
    assert got.endswith("09:00")
    assert any(ch.isdigit() for ch in rest)


@pytest.mark.parametrize(
    "text",
    ["watch the 3rd and 4th episodes", "read the 2nd chapter", "print pages 3/4 of the report"],
)
def test_ordinals_and_fractions_before_nouns_are_no_dates(text: str) -> None:
    assert not extract_datetime(text, NOW).found


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("fri at noon", "2026-12-11 12:00"),
        ("tue at midday", "2026-12-08 12:00"),
        ("move it to tue at noon", "2026-12-08 12:00"),
        ("sat at 9", "2026-12-12 09:00"),
    ],
)
def test_a_bare_short_weekday_with_at_noon_is_a_date(text: str, due: str) -> None:
    assert when(text)[0] == due


@pytest.mark.parametrize(
    "text",
    ["swim for 2 km", "row for 10 laps", "call for 3 people", "lift at 20 kg", "read for 5 pages"],
)
def test_a_number_with_a_unit_is_no_clock_time(text: str) -> None:
    assert extract_datetime(text, NOW).when is None
