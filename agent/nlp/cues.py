"""Cues several intent families share: the polite lead-in, the remind verbs, the phrases
that open a new task and those that open a delete (a family that must not claim a message
another family owns looks at these)."""

from __future__ import annotations

import re

_I = re.IGNORECASE


def pattern(p: str) -> re.Pattern[str]:
    return re.compile(p, _I)


POLITE = (
    r"(?:(?:please|pls|plz|ok|okay|hey|hi|so|and|also|now)[,\s]+)*"
    r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?"
)
VERB_REMIND = (
    r"(?:(?:remind|notify|alert|ping|warn|nudge|poke|buzz|text|message|email|prompt)\s+me"
    r"|(?:give|send)\s+me\s+an?\s+(?:reminder|nudge|ping|heads[\s-]?up|alert|shout)"
    r"|(?:set|add|create)\s+(?:me\s+)?an?\s+(?:reminder|alert)(?=\s+to\b))"
)
ADD_PREFIXES = [
    pattern(
        rf"^{POLITE}(?:add|create|put(?!\s.+\sback\b)|schedule|set\s+up|jot\s+down|note\s+down|insert|log"
        r"|new)\s+(?P<rest>.+)$"
    ),
    pattern(
        rf"^{POLITE}make\s+(?P<rest>(?:me\s+)?(?:an?|one)\s+(?:new\s+)?(?:[\w-]+\s+){{0,2}}"
        r"(?:task|todo|to-do|reminder|item|note|entry)\b.*)$"
    ),
    pattern(
        r"^(?:new\s+)?(?:todo|to-do|to\s+do|task|reminder|note(?:\s+to\s+self)?)\s*[:\-]\s*"
        r"(?P<rest>.+)$"
    ),
    pattern(
        r"^(?:please\s+)?(?:don'?t|do\s+not|dont)\s+(?:let\s+me\s+)?forget\s+(?:to\s+|about\s+)?"
        r"(?P<rest>.+)$"
    ),
    pattern(r"^(?:please\s+)?(?:remember|need|have|got|want|gotta)\s+to\s+(?P<rest>.+)$"),
    pattern(
        r"^i\s+(?:also\s+|really\s+|still\s+)?(?:need|have|want|ought|got|'ll\s+need|will\s+need)"
        r"\s+to\s+(?P<rest>.+)$"
    ),
    pattern(r"^i'?(?:ve|\s+have)\s+got\s+to\s+(?P<rest>.+)$"),
    pattern(r"^i\s+(?:must|should|gotta)\s+(?P<rest>.+)$"),
    pattern(r"^(?:must|gotta|should)\s+(?P<rest>.+)$"),
]
REMIND_PREFIX = pattern(rf"^{POLITE}{VERB_REMIND}\s+(?P<rest>.+)$")
DONE_WORDS = (
    r"(?:done|complete|completed|finished|closed|resolved|taken\s+care\s+of|sorted|handled)"
)
DELETE_PATTERNS = [
    pattern(
        rf"^{POLITE}(?:delete|remove|cancel|drop|erase|trash|discard|scrap|scratch|kill|nuke"
        r"|ditch|bin)\s+(?P<ref>.+)$"
    ),
    pattern(
        rf"^{POLITE}(?:get\s+rid\s+of|forget\s+about|throw\s+away|throw\s+out)\s+(?P<ref>.+?)"
        r"(?:\s+off\s+(?:my\s+|the\s+)?list)?$"
    ),
    pattern(  # "take X off my list"; "take the antibiotic at 7pm" is no delete
        rf"^{POLITE}take\s+(?P<ref>.+?)\s+off\s+(?:my\s+|the\s+)?(?:list|tasks|to-?do\s+list)$"
    ),
    pattern(
        r"^(?:i\s+)?(?:no\s+longer|don'?t|do\s+not)\s+need\s+to\s+(?P<ref>.+?)(?:\s+anymore)?$"
    ),
]


REMIND_LIKE = pattern(
    r"^(?:please\s+)?(?:(?:don'?t|do\s+not|dont)\s+let\s+me\s+forget|make\s+sure\s+i"
    r"(?:\s+(?:remember|don'?t\s+forget))?|help\s+me\s+remember)\s+(?:to\s+|about\s+)?(?P<rest>.+)$"
)


def starts_add(s: str) -> bool:
    return bool(
        REMIND_PREFIX.match(s) or REMIND_LIKE.match(s) or any(rx.match(s) for rx in ADD_PREFIXES)
    )
