"""Round trip of the recurrence grammar: RRULE -> words (wording.rule_in_words) -> parser
(agent.nlp.recurrence.find_recurrence) -> the same RRULE, over generated rules."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.nlp.recurrence import find_recurrence
from backend_services.kernel.wording import rule_in_words

CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
NOW = datetime(2026, 12, 6, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def _parts(rule: str) -> dict[str, str]:
    return dict(piece.split("=", 1) for piece in rule.split(";"))


def _interval(n: int) -> str:
    return f";INTERVAL={n}" if n > 1 else ""


weekly = st.builds(
    lambda days, n: f"FREQ=WEEKLY{_interval(n)};BYDAY=" + ",".join(sorted(days, key=CODES.index)),
    st.sets(st.sampled_from(CODES), min_size=1, max_size=6),
    st.integers(1, 4),
)
monthly_days = st.builds(
    lambda days, n: (
        f"FREQ=MONTHLY{_interval(n)};BYMONTHDAY="
        + ",".join(str(d) for d in sorted(days, key=lambda d: 99 if d < 0 else d))
    ),
    st.sets(st.one_of(st.integers(1, 28), st.just(-1)), min_size=1, max_size=3),
    st.integers(1, 3),
)
monthly_nth = st.builds(
    lambda nths, day: (
        "FREQ=MONTHLY;BYDAY="
        + ",".join(f"{n}{day}" for n in sorted(nths, key=lambda n: 99 if n < 0 else n))
    ),
    st.sets(st.sampled_from((1, 2, 3, 4, -1)), min_size=1, max_size=2),
    st.sampled_from(CODES),
)
monthly_setpos = st.builds(
    lambda n: f"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS={n}",
    st.sampled_from((1, 2, -1)),
)
daily = st.builds(lambda n: f"FREQ=DAILY{_interval(n)}", st.integers(1, 30))
hourly = st.builds(lambda n: f"FREQ=HOURLY{_interval(n)}", st.integers(1, 12))
yearly = st.builds(
    lambda m, d: f"FREQ=YEARLY;BYMONTH={m};BYMONTHDAY={d}", st.integers(1, 12), st.integers(1, 28)
)
RULES = st.one_of(weekly, monthly_days, monthly_nth, monthly_setpos, daily, hourly, yearly)


@settings(max_examples=300, deadline=None)
@given(RULES)
def test_rule_words_rule(rule: str) -> None:
    words = rule_in_words(rule, None, NOW.tzinfo, NOW)
    assert not words.startswith("repeats ("), rule
    spec = find_recurrence(f"add water the plants {words}", NOW)
    assert spec is not None, words
    got = _parts(spec.rrule())
    want = _parts(rule)
    if want.get("FREQ") == "WEEKLY" and set(want.get("BYDAY", "").split(",")) == set(CODES):
        want = {"FREQ": "DAILY", **({"INTERVAL": want["INTERVAL"]} if "INTERVAL" in want else {})}
    assert got == want, f"{rule!r} -> {words!r} -> {spec.rrule()!r}"
