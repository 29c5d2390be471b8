"""Words that carry no task: a sigh, an interjection, emphasis, emoji. They are taken off
before the intent decision so they never end up in a title ("ugh i have to call the bank",
"URGENT: renew passport", "pls add milk!!! 🙏"). Emphasis that means a priority ("URGENT",
"ASAP", "important", "!!!") is moved to the end, where the priority reader finds it."""

from __future__ import annotations

import re

_I = re.IGNORECASE

EMOJI = re.compile(
    "[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f000-\U0001f2ff\u200d\ufe0f\u2b50\u2764]+"
)
# interjections and hedges at the start: "ugh,", "oh and", "hmm ok so", "btw"
_LEAD = re.compile(
    r"^(?:(?:ugh+|argh+|oh+|ah+|um+|uh+|erm+|hmm+|well|so|ok(?:ay)?\s+so|alright\s+so|hey|yo"
    r"|btw|by\s+the\s+way|also|and|oh\s+and|quick\s+one|quick|real\s+quick|reminder|note\s+to\s+self"
    r"|psst|omg|jeez|geez|man|dang|crap|damn|shoot|lol)(?:\s*[,!.:;\-\u2013\u2014]+\s*|\s+))+"
    r"(?=\S)",
    _I,
)
# emphasis meaning a priority, at the start: moved to the end as "<word>"
_EMPHASIS = re.compile(
    r"^(?P<w>urgent|asap|important|critical|high\s+priority|top\s+priority)\b[\s!:,\-\u2013]*(?=\S)",
    _I,
)
# "actually delete that", "wait, mark it done": a correction's lead word, kept out of refs
_CORRECTION = re.compile(r"^(?:actually|wait|no\s+wait|sorry|oops|whoops)[,!.]?\s+(?=\S)", _I)
_NOT_AFTER_CORRECTION = re.compile(r"^(?:i\s+meant|i\s+mean|make\s+(?:it|that))\b", _I)


def strip_filler(s: str) -> str:
    """The message without leading interjections and emoji; emphasis moved to the end."""
    out = EMOJI.sub(" ", s)
    out = " ".join(out.split())
    if not out:
        return s
    prev = None
    while prev != out:
        prev = out
        out = _LEAD.sub("", out)
        m = _CORRECTION.match(out)
        if m and not _NOT_AFTER_CORRECTION.match(out[m.end() :]):
            out = out[m.end() :]
        m = _EMPHASIS.match(out)
        if m and len(out[m.end() :].split()) >= 1:
            word = " ".join(m.group("w").lower().split())
            out = f"{out[m.end() :]} {word}"
    out = re.sub(r"(?<=\w)!{3,}$", " !!!", out)  # "call the bank!!!": the priority mark
    out = re.sub(r"(?<=\w)!!$", "", out)
    return out.strip() or s
