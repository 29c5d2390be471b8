"""Misspelt grammar words ("tommorow", "wensday", "remnid", "priorty") put right before
parsing. Only words of the parser's own vocabulary are candidates, and only tokens that are
not themselves one of them or an inflection of one: one edit (a transposition counts as one)
for words of up to seven letters, two for longer ones, and the first letter must agree.
Quoted text and #tags are left alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from agent.nlp.text import quoted_spans

_VOCABULARY = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mondays",
    "tuesdays",
    "wednesdays",
    "thursdays",
    "fridays",
    "saturdays",
    "sundays",
    "tomorrow",
    "tonight",
    "afternoon",
    "evening",
    "morning",
    "weekday",
    "weekdays",
    "weekend",
    "weekends",
    "workday",
    "january",
    "february",
    "april",
    "august",
    "september",
    "october",
    "november",
    "december",
    "minutes",
    "remind",
    "reminder",
    "priority",
    "important",
    "urgent",
    "every",
    "fortnightly",
    "biweekly",
    "monthly",
    "weekly",
    "yearly",
    "annually",
]
_MIN_LENGTH = 5  # shorter words have too many real neighbours ("very" -> "every")
_WORD = re.compile(rf"(?<![#\w'])[A-Za-z]{{{_MIN_LENGTH},}}(?![\w'])")


def correct_typos(text: str) -> str:
    quoted = quoted_spans(text)

    def fix(m: re.Match[str]) -> str:
        if any(a <= m.start() < b for a, b in quoted):
            return m.group(0)
        return _closest(m.group(0).lower()) or m.group(0)

    return _WORD.sub(fix, text)


@lru_cache(maxsize=4096)
def _closest(token: str) -> str | None:
    if any(token.startswith(word) or word.startswith(token) for word in _VOCABULARY):
        return None  # a grammar word itself, or an inflection of one ("reminders")
    best: tuple[int, str] | None = None
    for word in _VOCABULARY:
        allowed = 1 if max(len(word), len(token)) <= 7 else 2
        if abs(len(word) - len(token)) > allowed or word[0] != token[0]:
            continue  # a misspelling keeps its first letter ("remember" is no "december")
        distance = _edits(token, word, allowed)
        if distance <= allowed and (best is None or distance < best[0]):
            best = (distance, word)
    return best[1] if best else None


def _edits(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein without repeated edits)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]
