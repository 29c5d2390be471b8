"""Normalise how a user referred to an existing task ("the buy milk task", "task 3")."""

from __future__ import annotations

import re

from agent.nlp.text import tidy

_I = re.IGNORECASE
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", _I)
_NUMBERED = re.compile(r"^(?:the\s+)?(?:task|item|todo|to-do|number|no\.?|#)\s*#?\s*(\d+)$", _I)
_LEAD = re.compile(
    r"^(?:(?:the|my|that|this)\s+)?(?:task|todo|to-do|item)s?\s+"
    r"(?:called\s+|named\s+|titled\s+|to\s+|about\s+)?(?=\S)",
    _I,
)
_ABOUT = re.compile(
    r"^(?:the\s+)?(?:one|task|todo|to-do|item|thing)\s+(?:about|for|with|called|named|titled"
    r"|that\s+says|saying|mentioning)\s+(?=\S)",
    _I,
)
_TRAIL = re.compile(r"\s+(?:task|todo|to-do|item|one|reminder)$", _I)
_TRAIL_LIST = re.compile(
    r"\s+(?:from|off|on|in)\s+(?:my\s+|the\s+)?(?:todo\s+|to-do\s+)?"
    r"(?:list|tasks|todos)$",
    _I,
)


_POSITION = re.compile(
    r"^(?:the\s+|number\s+|no\.?\s+|#)?(?:\d{1,2}(?:st|nd|rd|th)?|first|second|third|fourth"
    r"|fifth|sixth|seventh|eighth|ninth|tenth|last)(?:\s+(?:one|task|item|todo))?$",
    _I,
)


def is_position_ref(text: str) -> bool:
    """ "the 2nd one", "number 3", "the last one": a place in the last list, not a date."""
    return bool(_POSITION.match(tidy(text)))


def clean_ref(text: str) -> str:
    """Return the task reference, or "" if nothing usable is left."""
    ref = tidy(text)
    uid = _UUID.search(ref)
    if uid:
        return uid.group(0).lower()
    ref = re.sub(r"^#\s*(\d+)$", r"#\1", ref)
    m = _NUMBERED.match(ref)
    if m:
        return f"#{m.group(1)}"
    ref = _ABOUT.sub("", ref)  # "the one about the passport"
    ref = _TRAIL_LIST.sub("", ref)
    had_trail = bool(_TRAIL.search(ref))
    ref = _TRAIL.sub("", ref)
    if had_trail:
        ref = re.sub(r"^(?:the|my|that|this)\s+", "", ref, flags=_I)
    ref = _LEAD.sub("", ref)
    ref = tidy(ref)
    if re.fullmatch(r"(?:it|that|this|the|a|an|task|one)?", ref, flags=_I):
        return ref.lower() if ref.lower() in ("it", "that", "this") else ""
    return ref
