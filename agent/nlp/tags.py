"""Hashtag extraction: "#Travel" -> "travel" (numeric "#3" is a task reference, not a tag)."""

from __future__ import annotations

import re

from agent.nlp.text import Span

_TAG_RE = re.compile(r"(?<![\w&#/])#(?P<tag>[A-Za-z][\w-]*)")
_TAGGED_RE = re.compile(
    r"\b(?:tagged(?:\s+as|\s+with)?|with\s+(?:the\s+)?tags?|tags?:)\s+"
    r"(?P<list>[A-Za-z][\w-]*(?:\s*(?:,|and|&)\s*[A-Za-z][\w-]*)*)",
    re.IGNORECASE,
)


def _norm(tag: str) -> str:
    return tag.strip().lstrip("#").strip("-_").lower()


def split_tags(text: str) -> list[str]:
    """Split "work, home and #errands" into ["work", "home", "errands"]."""
    out: list[str] = []
    for piece in re.split(r"\s*(?:,|\band\b|&|\s)\s*", text):
        tag = _norm(piece)
        if tag and tag not in out and re.fullmatch(r"[a-z][\w-]*", tag):
            out.append(tag)
    return out


def extract_tags(text: str) -> tuple[list[str], list[Span]]:
    tags: list[str] = []
    spans: list[Span] = []
    for m in _TAG_RE.finditer(text):
        tag = _norm(m.group("tag"))
        if tag and tag not in tags:
            tags.append(tag)
        spans.append((m.start(), m.end()))
    m2 = _TAGGED_RE.search(text)
    if m2:
        for tag in split_tags(m2.group("list")):
            if tag not in tags:
                tags.append(tag)
        spans.append((m2.start(), m2.end()))
    return tags, spans
