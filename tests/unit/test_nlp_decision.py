"""The offline parser's intent decision: scores, not the order of the families, pick the
winner, and the intent says which rule that was."""

from __future__ import annotations

import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agent.nlp import parser
from agent.nlp.decision import Candidate, Rule, decide
from agent.nlp.intents import AddTask, CompleteTask, Help, Unknown

NOW = datetime(2026, 11, 26, 14, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def test_every_rule_has_its_own_score_so_no_two_can_tie() -> None:
    scores = [r.score for r in parser.RULES]
    assert len(scores) == len(set(scores))
    names = [r.name for r in parser.RULES]
    assert len(names) == len(set(names))


def test_the_best_score_wins_whatever_the_order() -> None:
    low = Rule("t.low", 0.1, lambda s, now: Help())
    high = Rule("t.high", 0.9, lambda s, now: Unknown(text=s))
    for rules in ([low, high], [high, low]):
        best = decide("x", NOW, rules)
        assert best is not None and best.rule == "t.high"


def test_a_weaker_reading_lets_a_lower_rule_win() -> None:
    weak = Rule("t.weak", 0.9, lambda s, now: Candidate(Help(), 0.3, "t.weak"))
    mid = Rule("t.mid", 0.5, lambda s, now: Unknown(text=s))
    best = decide("x", NOW, [weak, mid])
    assert best is not None and best.rule == "t.mid"


def test_no_rule_no_candidate() -> None:
    assert decide("x", NOW, [Rule("t.none", 0.5, lambda s, now: None)]) is None


@pytest.mark.parametrize(
    ("text", "rule", "kind"),
    [
        ("add buy milk tomorrow", "add.explicit", AddTask),
        ("call mom tomorrow at 5", "add.statement", AddTask),
        ("mark buy milk as done", "edit.complete", CompleteTask),
        ("what's on my list?", "query.list", None),
        ("yes", "chat.confirm", None),
        ("move buy milk to friday", "edit.update", None),
        ("remind me about the report 30 minutes before", "remind.add", None),
    ],
)
def test_the_intent_records_the_rule_that_fired(text: str, rule: str, kind: type | None) -> None:
    intent = parser.parse_message(text, NOW)
    assert intent.rule == rule
    if kind is not None:
        assert isinstance(intent, kind)


def test_shuffled_families_read_messages_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [
        "add buy milk tomorrow",
        "mark buy milk as done",
        "delete the dentist",
        "show my work tasks",
        "remind me to call mom at 5pm",
        "make standup repeat every weekday",
        "thanks!",
    ]
    before = [parser.parse_message(t, NOW) for t in texts]
    shuffled = list(parser.RULES)
    random.Random(7).shuffle(shuffled)
    monkeypatch.setattr(parser, "RULES", tuple(shuffled))
    assert [parser.parse_message(t, NOW) for t in texts] == before


def test_the_rule_is_not_part_of_equality() -> None:
    assert AddTask(title="a", rule="add.explicit") == AddTask(title="a")
