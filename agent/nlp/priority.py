"""Priority phrases ("high priority", "!high", "p1", "urgent") -> priority level."""

from __future__ import annotations

import re

from agent.nlp.intents import Priority
from agent.nlp.text import Span

_I = re.IGNORECASE

_LEVELS: dict[str, Priority] = {
    "high": "high",
    "hi": "high",
    "top": "high",
    "highest": "high",
    "max": "high",
    "urgent": "high",
    "important": "high",
    "critical": "high",
    "asap": "high",
    "medium": "medium",
    "med": "medium",
    "mid": "medium",
    "normal": "medium",
    "moderate": "medium",
    "low": "low",
    "lowest": "low",
    "minor": "low",
    "none": "none",
    "no": "none",
    "h": "high",
    "m": "medium",
    "l": "low",
    "p0": "high",
    "p1": "high",
    "p2": "medium",
    "p3": "low",
    "p4": "none",
    "1": "high",
    "2": "medium",
    "3": "low",
    "4": "none",
}
_WORD = (
    r"(?:highest|high|hi|top|max|urgent|critical|medium|med|mid|normal|moderate|lowest|low"
    r"|minor|none|no)"
)

_PATTERNS: list[re.Pattern[str]] = [
    re.compile(r"(?<![\w!])!(?P<v>high|medium|med|low|none|h|m|l)\b", _I),
    re.compile(
        rf"\b(?:with\s+|at\s+|as\s+)?(?:an?\s+)?(?P<v>{_WORD})[\s-]+(?:priority|prio|pri)\b", _I
    ),
    re.compile(
        r"\b(?:with\s+)?(?:priority|prio)\s*[:=]?\s*(?:of\s+)?"
        r"(?P<v>high|medium|med|low|none|normal|[1-4])\b",
        _I,
    ),
    re.compile(r"(?<![\w#])(?P<v>p[0-4])\b", _I),
    re.compile(r"(?<![\w#])(?P<v>asap)\b", _I),
    re.compile(r"(?<!\S)!!!(?!\S)", _I),
]
# "urgent"/"important" only where they qualify the task, not inside the title text.
_EDGE_WORD = re.compile(
    r"(?:^|[,;:\-]\s*|\s)(?:(?:it'?s|it\s+is|this\s+is|very|super|really|mark(?:ed)?\s+as)\s+)*"
    r"(?P<v>urgent|important|urgently)\s*[!.]*$"
    r"|^(?:an?\s+)?(?P<v2>urgent|important)\b(?=\s*(?::|-|task|todo|to-do|item|reminder))",
    _I,
)


def priority_word(text: str) -> Priority | None:
    """Map a short phrase ("high", "urgent", "low priority", "p1") to a priority level."""
    t = re.sub(r"[^a-z0-9 ]", " ", text.lower())
    t = re.sub(r"\b(?:a|an|the|priority|prio|pri|level|very|super|really)\b", " ", t)
    t = re.sub(r"\s+", " ", t).strip()
    if t in ("not urgent", "not important", "unimportant", "trivial"):
        return "low"
    return _LEVELS.get(t)


def extract_priority(text: str) -> tuple[Priority | None, list[Span]]:
    """Find a priority marker; returns the level and the span(s) to drop from the title."""
    for rx in _PATTERNS:
        m = rx.search(text)
        if m:
            v = m.groupdict().get("v")
            level = _LEVELS.get(v.lower()) if v else "high"
            if level is not None:
                return level, [(m.start(), m.end())]
    m = _EDGE_WORD.search(text.rstrip())
    if m:
        return "high", [(m.start(), m.end())]
    return None, []
