"""The offline parser: one chat message -> one structured :data:`Intent`.

Every intent family (``intent_*.py``) offers scored rules; :func:`agent.nlp.decision.decide`
takes the best match, and the intent records which rule that was (``Intent.rule``, shown on
the chat's tool step). See ``dates.py`` and ``recurrence.py`` for how date and recurrence
phrases resolve.
"""

from __future__ import annotations

import re
from datetime import datetime

from agent.nlp import (
    intent_add,
    intent_bulk,
    intent_chat,
    intent_deadline,
    intent_edit,
    intent_query,
    intent_remind,
)
from agent.nlp.compound import PARTS, capture_items, lead_parts, time_phrase_last
from agent.nlp.cues import pattern
from agent.nlp.decision import Rule, decide
from agent.nlp.errors import TOO_FAR, PhraseError
from agent.nlp.filler import strip_filler
from agent.nlp.intent_add import build_add
from agent.nlp.intents import AddTask, AddTasks, Intent, Unknown
from agent.nlp.refs import clean_ref
from agent.nlp.text import normalize
from agent.nlp.typos import correct_typos

# "the prescription is picked up, mark it complete", "got the tickets so tick that off":
# a statement naming the task, then a command about "it"
_CONTEXT_THEN_IT = pattern(
    r"^(?P<ctx>.+?)(?:\s*[,;:.\u2013\u2014-]\s*|\s+(?=so\s|and\s))(?:(?:so|and|please|now|just|you\s+can"
    r"|can\s+you)\s+)*(?P<cmd>\S+(?:\s+\S+)*?\s+(?:it|that|this)\b.*)$"
)
_CTX_TAIL = pattern(
    r"(?:\s+(?:is|are|was|were|has\s+been|have\s+been|got)|'s|'re)\b.*$|\s+(?:done|finished"
    r"|sorted|handled)$"
)
_CTX_HEAD = pattern(
    r"^(?:i\s+)?(?:just\s+|already\s+|finally\s+)*(?:picked\s+up|got|did|finished|bought|paid"
    r"|called|sent|booked|returned|collected|submitted|renewed|fixed|cleaned|mailed|emailed"
    r"|handed\s+in|dropped\s+off|took\s+care\s+of|sorted(?:\s+out)?|completed)\s+"
)
_PRONOUNS = ("it", "that", "this")


def _context_then_it(s: str, now: datetime) -> Intent | None:
    m = _CONTEXT_THEN_IT.match(s)
    if m is None:
        return None
    found = decide(m.group("cmd"), now, RULES)
    if found is None:
        return None
    intent = found.intent
    if getattr(intent, "ref", None) not in _PRONOUNS:
        return None
    ctx = _CTX_TAIL.sub("", _CTX_HEAD.sub("", m.group("ctx").strip()))
    ref = clean_ref(ctx)
    if not ref or ref.lower() in _PRONOUNS or len(ref.split()) > 6:
        return None
    return intent.model_copy(update={"ref": ref})


RULES: tuple[Rule, ...] = (
    *intent_chat.RULES,
    *intent_query.RULES,
    *intent_bulk.RULES,
    *intent_remind.RULES,
    *intent_edit.RULES,
    *intent_deadline.RULES,
    *intent_add.RULES,
    Rule("edit.context_ref", 0.86, _context_then_it),
)


def parse_message(text: str, now: datetime, *, skip: frozenset[str] = frozenset()) -> Intent:
    """Parse one chat message into an intent; ``now`` must be aware (user's zone). Rules named
    in ``skip`` are left out (a "yes" with no question pending is read as what else it is)."""
    if skip:
        kept = tuple(r for r in RULES if r.name not in skip)
        return _parse_one(text, now, kept)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    parts = [p for p in PARTS.split(text) if p.strip()]
    if len(parts) > 1 and parts[0].rstrip().endswith(":"):
        prefix, suffix = lead_parts(parts[0].rstrip()[:-1])  # "I need to:" then a line each
        parts = [f"{prefix} {p} {suffix}".strip() for p in parts[1:]]
    if len(parts) > 1:
        several = _several_adds(parts, now)
        if several is not None:
            return several
    whole = _parse_one(text, now)
    if isinstance(whole, AddTask | AddTasks | Unknown):
        captured = _captured(text, now)
        if captured is not None:
            return captured
    return whole


def _captured(text: str, now: datetime) -> AddTasks | None:
    """ "I need to: a, b tomorrow at 11, c" or "buy milk and call the bank and email Sam":
    one task per item, each with its own date; None when the message is no such list."""
    found = capture_items(strip_filler(normalize(text)))
    if found is None:
        return None
    lead, items = found
    if lead:
        prefix, suffix = lead_parts(lead)
        parts = [f"{prefix} {i} {suffix}".strip() for i in items]
        return _several_adds(parts, now)
    first = _parse_one(items[0], now)
    if not isinstance(first, AddTask | Unknown):
        return None
    tasks = [first] if isinstance(first, AddTask) else []
    for item in items[int(bool(tasks)) :]:
        built = build_add(normalize(item), now, reminder=False)
        if not isinstance(built, AddTask):
            return None  # an item that is several things itself: read the message whole
        tasks.append(built)
    return AddTasks(tasks=tasks, rule="add.capture")


_QUESTION = pattern(
    r"^\s*(?:what|when|where|why|how|who|which|is|are|do|does|can|could|hi|hello|hey|thanks"
    r"|thank)\b|.*\?\s*$"
)


def _several_adds(parts: list[str], now: datetime) -> AddTasks | None:
    """Every part an add (a bare part like "buy bread" too, once some part is an add);
    None when a part is anything else, so the message is read whole."""
    parsed = [_parse_one(p, now) for p in parts]
    bare = all(isinstance(p, Unknown) for p in parsed) and not any(
        _QUESTION.match(p) for p in parts
    )  # "buy milk; buy eggs; buy bread"
    if not bare and not any(isinstance(p, AddTask | AddTasks) for p in parsed):
        return None
    tasks: list[AddTask] = []
    for part, intent in zip(parts, parsed, strict=True):
        if isinstance(intent, AddTasks):
            tasks += intent.tasks
        elif isinstance(intent, AddTask):
            tasks.append(intent)
        elif isinstance(intent, Unknown) and not part.rstrip().endswith("?"):
            built = build_add(normalize(part), now, reminder=False)
            if not isinstance(built, AddTask | AddTasks):
                return None
            tasks += built.tasks if isinstance(built, AddTasks) else [built]
        else:
            return None
    return AddTasks(tasks=tasks)


def _parse_one(text: str, now: datetime, rules: tuple[Rule, ...] | None = None) -> Intent:
    s = correct_typos(strip_filler(normalize(text)))
    s = re.sub(r"[.!]+$", "", s).strip() if not re.search(r"!!!$", s) else s
    if not s:
        return Unknown(text=text)
    try:
        s = time_phrase_last(s, now)
        best = decide(s, now, RULES if rules is None else rules)
        if best is not None:
            return best.intent.model_copy(update={"rule": best.rule})
    except OverflowError as exc:  # date arithmetic beyond what datetime holds
        raise PhraseError(TOO_FAR) from exc
    return Unknown(text=text)
