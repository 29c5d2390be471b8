"""Misspelt grammar words ("tommorow", "wensday", "remnid", "priorty") put right before
parsing, without ever rewriting a real English word ("actually" is no "annually", "sundae"
no "sunday").

A token is corrected only when all of these hold:
- it is at least five letters long, outside quotes and #tags;
- it is not a grammar word itself or an inflection of one ("reminders", "mondays");
- a grammar word (the date/recurrence vocabulary of vocab.py plus a few command words) is
  within one edit of it (a transposition counts as one; two edits for words longer than
  seven letters), with the same first letter (rapidfuzz's optimal string alignment distance);
- it is not an English word, nor an inflection of one: the protected vocabulary is the
  Webster's 2nd word list (``web2``, 234k words) of the ``english-words`` package, loaded once,
  and only when a token has a candidate correction (most messages never load it).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from agent.nlp.text import quoted_spans
from agent.nlp.vocab import VOCAB_WORDS

_COMMAND_WORDS = frozenset(
    {
        "tomorrow",
        "tonight",
        "weekday",
        "weekdays",
        "weekend",
        "weekends",
        "workday",
        "minutes",
        "remind",
        "reminder",
        "priority",
        "important",
        "urgent",
        "every",
        "fortnight",
        "fortnightly",
        "biweekly",
        "monthly",
        "weekly",
        "yearly",
        "annually",
    }
)
_TARGETS = sorted(VOCAB_WORDS | _COMMAND_WORDS)
_MIN_LENGTH = 5  # shorter words have too many real neighbours ("very" -> "every")
_WORD = re.compile(rf"(?<![#\w'])[A-Za-z]{{{_MIN_LENGTH},}}(?![\w'])")
_SUFFIXES = ("s", "es", "ed", "d", "ing", "ly", "er", "ers", "est", "'s")


def correct_typos(text: str) -> str:
    quoted = quoted_spans(text)

    def fix(m: re.Match[str]) -> str:
        if any(a <= m.start() < b for a, b in quoted):
            return m.group(0)
        return _closest(m.group(0).lower()) or m.group(0)

    return _WORD.sub(fix, text)


@cache
def _english() -> frozenset[str]:
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["web2"], lower=True, alpha=True))


def is_english(token: str) -> bool:
    """``token`` (lower case) is a dictionary word or a regular inflection of one."""
    words = _english()
    if token in words:
        return True
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            stem = token[: -len(suffix)]
            if stem in words:
                return True
            if suffix in ("ed", "ing", "er", "est") and stem + "e" in words:  # "saved"
                return True
            if stem.endswith("i") and stem[:-1] + "y" in words:  # "carried", "busier"
                return True
    return False


@lru_cache(maxsize=4096)
def _closest(token: str) -> str | None:
    if any(token.startswith(word) or word.startswith(token) for word in _TARGETS):
        return None  # a grammar word itself, or an inflection of one ("reminders")
    allowed = 1 if len(token) <= 7 else 2
    hits = process.extract(token, _TARGETS, scorer=OSA.distance, score_cutoff=2, limit=None)
    best: tuple[float, str] | None = None
    for word, distance, _ in hits:
        limit = 1 if max(len(word), len(token)) <= 7 else 2
        if distance > min(limit, max(allowed, limit)) or word[0] != token[0]:
            continue  # a misspelling keeps its first letter ("remember" is no "december")
        if best is None or distance < best[0]:
            best = (distance, word)
    if best is None or is_english(token):
        return None
    return best[1]
