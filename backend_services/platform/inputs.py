"""Boundary types for untrusted input, shared by every request model and the agent's tools.

Text: no lone UTF-16 surrogates (they cannot be encoded as UTF-8, so such a string can be
neither stored by PostgreSQL nor put in a JSON event or response), no control characters
(NUL, ESC, DEL, C1 ...) and no bidirectional embeddings, overrides or isolates (U+202A to U+202E,
U+2066 to U+2069: a title with U+202E shows its text reversed, spoofing what a user reads in
lists, reminders and the audit log); multi-line text may keep newlines and tabs (CR LF becomes
LF). The bidi marks U+200E/U+200F, which reorder nothing by themselves, stay allowed.
Date-times: with a UTC offset and, once converted to UTC, inside a range every database,
`datetime` arithmetic and the reminder offsets can handle.

A refused value is a pydantic `ValueError`, i.e. a 422 that names the field.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime

# C0 controls, DEL, C1 controls, the bidi embeddings/overrides/isolates, and every surrogate
# code point (a pair never survives decoding into a Python str, so any surrogate left in one
# is a lone one)
_BIDI = "\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff]")
_UNSAFE_MULTILINE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff]")
_UNSAFE_SECRET = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # never displayed
_SURROGATE = re.compile("[\ud800-\udfff]")
_BIDI_CONTROL = re.compile(f"[{_BIDI}]")
_NEWLINES = re.compile("\r\n?")
_FOLD = re.compile("[\n\t]")

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _describe(ch: str) -> str:
    if _SURROGATE.match(ch):
        kind = "an unpaired surrogate"
    elif _BIDI_CONTROL.match(ch):
        kind = "a bidirectional control character"
    else:
        kind = "a control character"
    return f"{kind} (U+{ord(ch):04X})"


def check_text(value: str, *, multiline: bool = False) -> str:
    """The value itself, or ValueError naming the first character that is not allowed."""
    if multiline:
        value = _NEWLINES.sub("\n", value)
    bad = (_UNSAFE_MULTILINE if multiline else _UNSAFE).search(value)
    if bad is not None:
        allowed = " (only newlines and tabs are allowed)" if multiline else ""
        raise ValueError(
            f"must not contain {_describe(bad.group())} at position {bad.start()}{allowed}"
        )
    return value


def _single_line(value: str) -> str:
    return check_text(value)


def _secret(value: str) -> str:
    """A password is never shown: bidi controls are its owner's business (one set before
    they were refused elsewhere must still sign in); controls and surrogates are not."""
    bad = _UNSAFE_SECRET.search(value)
    if bad is not None:
        raise ValueError(f"must not contain {_describe(bad.group())} at position {bad.start()}")
    return value


def _multi_line(value: str) -> str:
    return check_text(value, multiline=True)


def _folded(value: str) -> str:
    """Newlines and tabs are whitespace here: folded into single spaces, the rest refused."""
    return _FOLD.sub(" ", check_text(value, multiline=True))


def scrub(value: str, *, multiline: bool = False) -> str:
    """What check_text would refuse, dropped instead: for free text such as a chat message."""
    if multiline:
        value = _NEWLINES.sub("\n", value)
    return (_UNSAFE_MULTILINE if multiline else _UNSAFE).sub("", value)


def encodable(value: str) -> str:
    """The value with every unpaired surrogate replaced by U+FFFD (so it encodes as UTF-8)."""
    return _SURROGATE.sub("\ufffd", value)


def json_safe(value: Any) -> Any:
    """JSON-like `value` with every string encodable as UTF-8 and every float valid JSON
    (NaN and the infinities become strings): what can always be stored and rendered."""
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {json_safe(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def check_datetime(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValueError(f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)")
    return value


SafeText = Annotated[str, AfterValidator(_single_line)]
"""One line: no control characters at all, no unpaired surrogates."""

SecretText = Annotated[str, AfterValidator(_secret)]
"""A password: like SafeText, but bidirectional controls are allowed (it is never displayed)."""

SafeMultilineText = Annotated[str, AfterValidator(_multi_line)]
"""Like SafeText, but newlines and tabs are kept (CR LF and CR become LF)."""

FoldedText = Annotated[str, AfterValidator(_folded)]
"""One line made from what may arrive with newlines or tabs (titles): they become spaces."""

BoundedDatetime = Annotated[AwareDatetime, AfterValidator(check_datetime)]
"""An aware date-time between EARLIEST and LATEST once in UTC."""
