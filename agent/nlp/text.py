"""Small text helpers shared by the phrase extractors."""

from __future__ import annotations

import re
from collections.abc import Iterable

from dateutil.relativedelta import relativedelta

from agent.nlp.errors import TOO_FAR, PhraseError
from agent.nlp.vocab import NUMBER_WORDS

Span = tuple[int, int]
MAX_AMOUNT = 10_000_000  # of any unit: 10 million minutes is 19 years, days 27,000 years

_NUM_ALT = "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True))
NUM_RE = rf"(?:\d+(?:\.\d+)?|{_NUM_ALT})"

_UNIT_WORDS = r"minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|fortnights?|months?|years?"
DURATION_RE = (
    rf"(?:half\s+an?\s+hour|an?\s+hour\s+and\s+a\s+half|a\s+quarter\s+(?:of\s+an\s+)?hour"
    rf"|(?P<num>{NUM_RE})(?P<half>\s+and\s+a\s+half)?"
    rf"(?:\s*(?P<unit>{_UNIT_WORDS})|(?P<short>[mhdw]))\b)"
)

_CONNECTOR_WORDS = (
    "due",
    "on",
    "by",
    "at",
    "before",
    "until",
    "till",
    "til",
    "for",
    "from",
    "starting",
    "beginning",
    "around",
    "no later than",
    "due on",
    "due by",
)


def normalize(text: str) -> str:
    """Unify quotes/whitespace so the regexes see a predictable string."""
    out = text.replace("\u2019", "'").replace("\u2018", "'")
    out = out.replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", out).strip()


def number_value(word: str) -> float | None:
    w = word.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", w):
        return float(w)
    val = NUMBER_WORDS.get(w)
    return float(val) if val is not None else None


def duration_from_match(m: re.Match[str]) -> relativedelta | None:
    """Turn a DURATION_RE match into a relativedelta."""
    whole = m.group(0).lower()  # may include a lead-in ("in half an hour")
    if "hour and a half" in whole:
        return relativedelta(minutes=90)
    if re.search(r"\bhalf\s+an?\s+hour", whole):
        return relativedelta(minutes=30)
    if "quarter" in whole:
        return relativedelta(minutes=15)
    n = number_value(m.group("num") or "")
    if n is None:
        return None
    if n > MAX_AMOUNT:  # "in 99999999999 days": no calendar holds it
        raise PhraseError(TOO_FAR)
    if m.group("half"):
        n += 0.5
    unit = (m.group("unit") or m.group("short") or "").lower()
    if unit.startswith(("mi", "m")) and not unit.startswith("mo"):
        return relativedelta(minutes=round(n))
    if unit.startswith("h"):
        return relativedelta(minutes=round(n * 60))
    if unit.startswith("d"):
        if n.is_integer():
            return relativedelta(days=round(n))
        return relativedelta(hours=round(n * 24))
    if unit.startswith("f"):  # a fortnight: two weeks
        return relativedelta(days=round(n * 14))
    if unit.startswith("w"):
        return relativedelta(days=round(n * 7))
    if unit.startswith("mo"):
        return relativedelta(months=round(n))
    if unit.startswith("y"):
        return relativedelta(years=round(n))
    return None


def duration_minutes(delta: relativedelta) -> int:
    return int(delta.days * 1440 + delta.hours * 60 + delta.minutes)


def extend_left_over_connectors(text: str, start: int, extra: Iterable[str] = ()) -> int:
    """Move ``start`` left over connector words ("due", "by", "on", "at", ...)."""
    words = sorted({*_CONNECTOR_WORDS, *extra}, key=len, reverse=True)
    pattern = re.compile(
        r"(?:^|\s)(?:" + "|".join(re.escape(w) for w in words) + r")\s*,?\s*$", re.I
    )
    while True:
        m = pattern.search(text[:start])
        if not m:
            return start
        new = m.start() + (1 if m.group(0)[:1].isspace() else 0)
        if new >= start:
            return start
        start = new


# "..." anywhere, '...' only where it cannot be an apostrophe (don't, mom's)
QUOTED_RE = re.compile(r'"(?P<dq>[^"\x00]+)"|(?<![\w\x00])\'(?P<sq>[^\'\x00]+)\'(?![\w])')


def quoted_spans(text: str) -> list[Span]:
    """Where the user quoted words: nothing inside is read as a date, repeat or tag."""
    return [m.span() for m in QUOTED_RE.finditer(text)]


def first_quoted(text: str) -> tuple[str, Span] | None:
    m = QUOTED_RE.search(text)
    if m is None:
        return None
    inner = (m.group("dq") or m.group("sq") or "").strip()
    return (inner, m.span()) if inner else None


def mask(text: str, spans: Iterable[Span]) -> str:
    """Replace spans with NUL characters (keeps offsets stable, blocks re-matching)."""
    chars = list(text)
    for a, b in spans:
        for i in range(a, b):
            chars[i] = "\x00"
    return "".join(chars)


def remove_spans(text: str, spans: Iterable[Span]) -> str:
    return re.sub(r"\s+", " ", mask(text, spans).replace("\x00", " ")).strip()


_EDGE_WORDS = re.compile(
    r"^(?:(?:and|also|then|due|by|on|at|to|for|with|,|;|:|-|\u2013)\s+)+|"
    r"(?:\s+(?:and|also|then|due|by|on|at|to|for|with|from|starting|until|till|,|;|:|-|\u2013))+$",
    re.I,
)


def tidy(text: str) -> str:
    """Collapse whitespace, fix spacing before punctuation, strip edge connectors/punctuation."""
    out = re.sub(r"\s+", " ", text.replace("\x00", " ")).strip()
    out = re.sub(r"\s+([,;:.!?])", r"\1", out)
    prev = None
    while prev != out:
        prev = out
        out = out.strip(" ,;:-\u2013.!?")
        out = _EDGE_WORDS.sub("", out).strip()
    if len(out) >= 2 and out[0] == out[-1] and out[0] in "\"'`":
        out = out[1:-1].strip()
    return out
