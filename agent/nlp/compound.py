"""Messages that hold more than one thing, or hold it in another order: several tasks
("buy bread; call mom tomorrow", "milk and eggs") and a date, time or repeat that comes first."""

from __future__ import annotations

import re
from datetime import datetime

from agent.nlp.dates import extract_datetime
from agent.nlp.recurrence import find_recurrence
from agent.nlp.text import mask, tidy

_I = re.IGNORECASE

# "buy bread; call mom tomorrow", one task a line: each part is a message of its own
PARTS = re.compile(r"\s*(?:;|\n|\r)+\s*(?:-\s+|\*\s+|\d+[.)]\s+)?")


# "milk and eggs", "milk, eggs and bread", "pick up the kids and walk the dog": several tasks.
# One-word items, a comma list of three or more, or two items of several words each; not
# "call mom and dad" (the second item only completes the first) nor long titles.
_CONJ = re.compile(r"\s*,\s*(?:and\s+|&\s+)?|\s+(?:and|&|\+|plus)\s+", _I)
_MAX_ITEM_WORDS = 4
_LEFTOVER_TIME = re.compile(r"^(?:at\s+)?\d{1,2}(?::\d{2})?\s*(?:am|pm|h)?$", _I)


def conjoined_items(title: str, list_name: str | None) -> list[str]:
    items = [tidy(i) for i in _CONJ.split(title)]
    if len(items) < 2 or any(not i or _LEFTOVER_TIME.match(i) for i in items):
        return []  # "meds at 8am and 8pm": a second time, not a second task
    sizes = [len(i.split()) for i in items]
    if max(sizes) > _MAX_ITEM_WORDS:
        return []
    several_words = len(items) == 2 and min(sizes) >= 2
    comma_list = len(items) >= 3 and "," in title
    if all(n == 1 for n in sizes) or comma_list or several_words or list_name is not None:
        return items
    return []


_LEAD_GAP = re.compile(r"^(?:[\s,:;\-\u2013]|\b(?:on|at|by|from|starting|and|then)\b)*$", _I)


def time_phrase_last(s: str, now: datetime) -> str:
    """ "tomorrow at 5pm remind me to call mom" -> "remind me to call mom tomorrow at 5pm": a
    message that opens with its date, time or repeat is read with that phrase moved to the end,
    so every handler sees the command first."""
    spec = find_recurrence(s, now)
    dp = extract_datetime(mask(s, spec.spans) if spec else s, now)
    spans = sorted([*(spec.spans if spec else []), *dp.spans])
    end = 0
    for a, b in spans:
        if not _LEAD_GAP.match(s[end:a]):
            break
        end = max(end, b)
    if end == 0:
        return s
    rest = s[end:]
    gap = re.match(r"^[\s,:;\-\u2013]*", rest)
    tail = rest[gap.end() if gap else 0 :]
    if not tail or not tail[0].isalpha() or (not rest[:1].isspace() and rest[:1] not in ",:;-"):
        return s  # "tomorrow's agenda"
    return f"{tail} {s[:end].strip()}"
