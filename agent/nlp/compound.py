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


# pairs that name one thing: "salt and pepper" is one item, not two tasks
_ONE_THING = re.compile(
    r"\b(?:salt\s+and\s+pepper|mac\s+and\s+cheese|fish\s+and\s+chips|bread\s+and\s+butter"
    r"|peanut\s+butter\s+and\s+jelly|pb\s*&\s*j|pros\s+and\s+cons|q\s*(?:and|&)\s*a"
    r"|r\s*(?:and|&)\s*d|b\s*(?:and|&)\s*b|gin\s+and\s+tonic|rum\s+and\s+coke"
    r"|black\s+and\s+white|oil\s+and\s+vinegar|cheese\s+and\s+crackers|milk\s+and\s+cookies"
    r"|rock\s+and\s+roll|arts\s+and\s+crafts|bits\s+and\s+pieces|odds\s+and\s+ends"
    r"|nuts\s+and\s+bolts|pen\s+and\s+paper|shampoo\s+and\s+conditioner"
    r"|sweet\s+and\s+sour|surf\s+and\s+turf|bed\s+and\s+breakfast|hide\s+and\s+seek)\b",
    _I,
)


def conjoined_items(title: str, list_name: str | None) -> list[str]:
    if _ONE_THING.search(title):
        return []
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


# ---------------------------------------------------------------- multi-task capture
# verbs that open a new to-do in a run-on message ("buy milk and call the bank and email Sam")
TASK_VERBS = [
    "buy",
    "get",
    "pick",
    "grab",
    "call",
    "phone",
    "ring",
    "text",
    "email",
    "e-mail",
    "message",
    "send",
    "write",
    "book",
    "pay",
    "renew",
    "order",
    "schedule",
    "clean",
    "wash",
    "fix",
    "finish",
    "submit",
    "file",
    "print",
    "post",
    "mail",
    "return",
    "drop",
    "bring",
    "take",
    "walk",
    "feed",
    "water",
    "mow",
    "vacuum",
    "hoover",
    "cook",
    "bake",
    "make",
    "prepare",
    "read",
    "review",
    "check",
    "update",
    "reply",
    "respond",
    "answer",
    "ask",
    "tell",
    "invite",
    "visit",
    "meet",
    "see",
    "go",
    "do",
    "study",
    "practice",
    "practise",
    "learn",
    "plan",
    "organize",
    "organise",
    "sort",
    "tidy",
    "iron",
    "fold",
    "replace",
    "repair",
    "install",
    "download",
    "upload",
    "charge",
    "fill",
    "refill",
    "collect",
    "deliver",
    "ship",
    "pack",
    "unpack",
    "sign",
    "register",
    "apply",
    "contact",
    "follow",
    "arrange",
    "hire",
    "shop",
    "start",
    "research",
    "draft",
    "prep",
    "wrap",
    "put",
    "hang",
    "empty",
    "clear",
    "throw",
    "sweep",
    "mop",
    "dust",
    "rake",
    "feed",
    "renew",
    "transfer",
    "withdraw",
    "deposit",
    "cancel",
    "confirm",
    "print",
    "scan",
    "copy",
]
_VERB_ALT = "|".join(sorted(set(TASK_VERBS), key=len, reverse=True))
_VERB_SPLIT = re.compile(
    rf"\s*(?:,\s*(?:and\s+|then\s+|also\s+)?|;\s*|\s+(?:and|&|then|also|plus)\s+(?:then\s+|also\s+)?)"
    rf"(?=(?:{_VERB_ALT})\b)",
    _I,
)
# "I need to: a, b tomorrow at 11, c before Saturday"; "todo: ..."; "tomorrow: ..."
_COLON_LEAD = re.compile(r"^(?P<lead>[^:,\n]{1,60}?)\s*(?<!\d):(?!\d)\s*(?P<rest>\S.*)$", _I)
_NOT_A_LEAD = re.compile(r"\b(?:description|notes?|details|re|subject|fyi)\s*$", _I)
_LIST_SEP = re.compile(r"\s*(?:,\s*(?:and\s+|&\s+)?|;\s*)")
_BARE_LEAD = re.compile(
    r"^(?:(?:my\s+)?(?:to-?dos?|to\s+do(?:\s+list)?|tasks?|things\s+to\s+do|list|agenda"
    r"|errands|chores|jobs|stuff\s+to\s+do)(?:\s+for\s+(?P<when>.+))?|(?P<when2>today|tonight"
    r"|tomorrow|this\s+week(?:end)?|next\s+week))$",
    _I,
)


def _short_and(item: str) -> list[str]:
    """ "eggs and bread" in a comma list: one-word or two-word items joined by "and" split."""
    bits = re.split(r"\s+(?:and|&)\s+", item)
    if len(bits) > 1 and all(1 <= len(b.split()) <= 2 for b in bits):
        return bits
    return [item]


def capture_items(text: str) -> tuple[str, list[str]] | None:
    """(lead, items) for a message that lists several things to do, or None.

    A colon list ("I need to: a, b tomorrow at 11, c"; "tomorrow: x, y") gives its lead
    ("I need to", "tomorrow") and the comma-separated items; a run-on message gives the
    pieces that each open with a task verb ("buy milk and call the bank") and lead ""."""
    one_line = " ".join(text.split())
    m = _COLON_LEAD.match(one_line)
    if m and not _NOT_A_LEAD.search(m.group("lead")) and len(m.group("lead").split()) <= 7:
        items = [i for raw in _LIST_SEP.split(m.group("rest")) for i in _short_and(raw.strip())]
        items = [i.strip(" .") for i in items if i.strip(" .")]
        if len(items) >= 2:
            return m.group("lead").strip(), items
    pieces = [p.strip() for p in _VERB_SPLIT.split(one_line) if p.strip()]
    if len(pieces) >= 2 and all(len(p.split()) >= 2 for p in pieces):
        return "", pieces
    return None


def lead_parts(lead: str) -> tuple[str, str]:
    """How a colon list's lead applies to each item: (prefix, suffix). "I need to" and "add"
    go before every item; a date ("tomorrow", "things to do today") after every item that
    has none of its own; "todo", "tasks" disappear."""
    m = _BARE_LEAD.match(lead.strip())
    if m:
        return "", (m.group("when") or m.group("when2") or "")
    return lead, ""
