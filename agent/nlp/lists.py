"""List (project) phrases: where a new task goes and which list a question is about."""

from __future__ import annotations

import re
from datetime import datetime

from agent.nlp.dates import extract_datetime
from agent.nlp.text import tidy

_I = re.IGNORECASE


def _rx(p: str) -> re.Pattern[str]:
    return re.compile(p, _I)


# where a new task goes: "to my groceries list", "on the work list", "in list personal",
# "to groceries" (a bare name only for "to/in/on <one or two words>" after a short title)
_LIST_EXPLICIT = _rx(
    r"\s+(?:to|on|in|into|onto|under|for)\s+(?:my\s+|the\s+|our\s+)?(?P<l>[\w'&-]+(?:\s+[\w'&-]+)?)"
    r"\s+(?:list|project)$"
    r"|\s+(?:to|on|in|into|under)\s+(?:the\s+)?(?:list|project)\s+(?:called\s+|named\s+)?"
    r"(?P<l2>[\w'&-]+(?:\s+[\w'&-]+)?)$"
)
# "add eggs to groceries" or "add talk to mom"? Only the user's existing lists can tell: the
# offline runner checks the hint (agent.offline.resolve_list_hint)
LIST_HINT = _rx(r"\s+(?:to|in|into|on|onto)\s+(?:my\s+|the\s+)?(?P<l>[\w'&-]+)$")
_NOT_LIST_NAMES = _rx(r"^(?:to-?do|to\s+do|todo|task|tasks|the|my|a|shopping\s+and)$")


def drop_list_hint(title: str) -> str:
    """The title without its trailing "to/in/on <name>" (once that name is a known list)."""
    m = LIST_HINT.search(title)
    return tidy(title[: m.start()]) if m else title


def list_target(title: str) -> tuple[str | None, str]:
    """(list name, the title without it) for an explicit list phrase at the end."""
    m = _LIST_EXPLICIT.search(title)
    if m is None:
        return None, title
    name = tidy(m.group("l") or m.group("l2") or "")
    if not name or _NOT_LIST_NAMES.match(name):
        return None, title
    return name, tidy(title[: m.start()])


# which list: "on my work list", "the groceries project", "what's in groceries"
_LIST_NAMED = _rx(
    r"\b(?:on|in|from|of|for|under)\s+(?:my\s+|the\s+|our\s+)?(?P<l>[\w'&-]+(?:\s+[\w'&-]+)?)"
    r"\s+(?:list|project)\b|\b(?:my|the|our)\s+(?P<l2>[\w'&-]+)\s+(?:list|project)\b"
    r"|\b(?:list|project)\s+(?:called|named)\s+(?P<l3>[\w'&-]+(?:\s+[\w'&-]+)?)$"
)
_LIST_BARE = _rx(r"\b(?:in|on|from)\s+(?:my\s+|the\s+|our\s+)?(?P<l>[\w'&-]+)[?\s]*$")
_LIST_VERB_NAME = _rx(
    r"^(?:list|show|open|view|display)\s+(?:me\s+)?(?:my\s+|the\s+)?(?P<l>[\w'&-]+)$"
)
NOT_A_LIST = _rx(
    r"^(?:my|the|our|a|to-?do|to\s+do|todo|task|tasks|whole|entire|full|plate|agenda|schedule"
    r"|calendar|radar|mind|hold|it|this|that|them|list|time|track|deck)$"
)


def named_list(s: str, now: datetime, *, bare: bool, plain: bool = False) -> str | None:
    """The list a question names: "on my work list", "the groceries project"; with ``bare``
    also "what's in groceries"; with ``plain`` (the caller saw no other filter in the
    message) also "list groceries"."""
    m = _LIST_NAMED.search(s)
    name = (m.group("l") or m.group("l2") or m.group("l3")) if m else None
    if name is None and bare and (mb := _LIST_BARE.search(s)):
        name = mb.group("l")
    mv = _LIST_VERB_NAME.match(s) if name is None and bare else None
    if mv and plain:
        name = mv["l"]  # "list groceries", "show work"; not "show urgent", "list all"
    if name is None:
        return None
    name = tidy(name)
    if not name or NOT_A_LIST.match(name) or extract_datetime(name, now).found:
        return None
    return name
