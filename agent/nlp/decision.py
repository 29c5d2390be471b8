"""The intent decision: every intent family offers rules; the best-scoring match wins.

A rule is a name (``family.rule``, shown on the chat's tool step), the score it claims when
it matches, and a matcher. Scores are distinct (a unit test holds them so), so the winner
never depends on the order the families are listed in: rules are tried from the highest
score down only to stop early once no untried rule could beat the best match so far. A
matcher may return a :class:`Candidate` with a lower score than its rule claims (a weaker
reading), and then lower rules still get their chance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from agent.nlp.intents import Intent


@dataclass(frozen=True)
class Candidate:
    intent: Intent
    score: float
    rule: str


Matcher = Callable[[str, datetime], "Intent | Candidate | None"]


@dataclass(frozen=True)
class Rule:
    name: str
    score: float
    match: Matcher


def decide(s: str, now: datetime, rules: Iterable[Rule]) -> Candidate | None:
    """The best candidate any rule offers for ``s``, or None when no rule recognises it."""
    best: Candidate | None = None
    for rule in sorted(rules, key=lambda r: -r.score):
        if best is not None and best.score >= rule.score:
            break  # nothing left can beat it
        found = rule.match(s, now)
        if found is None:
            continue
        cand = found if isinstance(found, Candidate) else Candidate(found, rule.score, rule.name)
        if best is None or cand.score > best.score:
            best = cand
    return best
