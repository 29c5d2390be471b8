"""The offline parser: one chat message -> one structured :data:`Intent`.

Every intent family (``intent_*.py``) offers scored rules; :func:`agent.nlp.decision.decide`
takes the best match, and the intent records which rule that was (``Intent.rule``, shown on
the chat's tool step). See ``dates.py`` and ``recurrence.py`` for how date and recurrence
phrases resolve.
"""

from __future__ import annotations

import re
from datetime import datetime

from agent.nlp import intent_add, intent_chat, intent_edit, intent_query, intent_remind
from agent.nlp.compound import PARTS, time_phrase_last
from agent.nlp.cues import pattern
from agent.nlp.decision import Rule, decide
from agent.nlp.errors import TOO_FAR, PhraseError
from agent.nlp.intent_add import build_add
from agent.nlp.intents import AddTask, AddTasks, Intent, Unknown
from agent.nlp.text import normalize
from agent.nlp.typos import correct_typos

RULES: tuple[Rule, ...] = (
    *intent_chat.RULES,
    *intent_query.RULES,
    *intent_remind.RULES,
    *intent_edit.RULES,
    *intent_add.RULES,
)


def parse_message(text: str, now: datetime) -> Intent:
    """Parse one chat message into an intent; ``now`` must be aware (user's zone)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    parts = [p for p in PARTS.split(text) if p.strip()]
    if len(parts) > 1:
        several = _several_adds(parts, now)
        if several is not None:
            return several
    return _parse_one(text, now)


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


def _parse_one(text: str, now: datetime) -> Intent:
    s = correct_typos(normalize(text))
    s = re.sub(r"[.!]+$", "", s).strip() if not re.search(r"!!!$", s) else s
    if not s:
        return Unknown(text=text)
    try:
        s = time_phrase_last(s, now)
        best = decide(s, now, RULES)
        if best is not None:
            return best.intent.model_copy(update={"rule": best.rule})
    except OverflowError as exc:  # date arithmetic beyond what datetime holds
        raise PhraseError(TOO_FAR) from exc
    return Unknown(text=text)
