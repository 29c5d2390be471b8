"""Intent family "bulk": one action on every task a filter names ("delete all completed",
"clear completed tasks", "delete everything tagged travel", "complete all overdue", "mark
all of them done"). The runner asks for a yes before it acts."""

from __future__ import annotations

import re
from datetime import datetime

from agent.nlp.cues import POLITE, pattern
from agent.nlp.decision import Rule
from agent.nlp.intents import BulkAction, BulkVerb, Intent, TaskFilter
from agent.nlp.priority import priority_word

_I = re.IGNORECASE

_DELETE = (
    r"delete|remove|erase|trash|bin|nuke|purge|wipe(?:\s+out)?|clear(?:\s+out|\s+away)?"
    r"|clean\s+(?:up|out)|get\s+rid\s+of|throw\s+(?:away|out)|scrap|ditch|drop|cancel"
)
_COMPLETE = r"complete|finish|close|mark|check\s+off|tick\s+off|cross\s+off|tick|resolve"
_REOPEN = r"reopen|re-open|uncheck|untick|unmark|uncomplete|un-complete"
_HEAD = pattern(
    rf"^{POLITE}(?:(?P<delete>{_DELETE})|(?P<complete>{_COMPLETE})|(?P<reopen>{_REOPEN}))\s+"
    r"(?P<body>.+)$"
)
_ALL = (
    r"(?:all(?:\s+of)?|every(?:thing|\s+one|\s+single)?|each(?:\s+of)?|any|both(?:\s+of)?"
    r"|the\s+whole\s+lot(?:\s+of)?|whatever(?:'s|\s+is)?)"
)
_LISTED = pattern(
    rf"^(?:{_ALL}\s+)?(?:them|those|these|the\s+ones\s+(?:above|listed|shown)|that\s+lot)"
    rf"(?:\s+(?:all|both|tasks|ones|items))?(?:\s+(?:as\s+)?(?:done|complete|completed|finished"
    r"|off))?$"
    rf"|^{_ALL}\s+(?:of\s+)?(?:them|those|these)(?:\s+(?:as\s+)?(?:done|complete|completed"
    r"|finished|off))?$"
)
_CLEAR_DONE = pattern(  # "clear completed", "clean up done tasks": no "all" needed
    r"^(?:out\s+|up\s+|away\s+)?(?:(?:my|the|all|all\s+my|all\s+the|any)\s+)?"
    r"(?:completed|complete|done|finished|checked(?:\s+off)?|ticked(?:\s+off)?|old\s+done)"
    r"(?:\s+(?:tasks?|todos?|to-?dos?|items?|ones|stuff|things))?(?:\s+(?:from|off|on)\s+"
    r"(?:my\s+|the\s+)?list)?$"
)
_QUANTIFIED = pattern(rf"^{_ALL}\b\s*(?P<rest>.*)$")
_TAIL = pattern(
    r"\s+(?:as\s+)?(?:done|complete|completed|finished|off|off\s+(?:my\s+|the\s+)?list)$"
)
_NOISE = pattern(
    r"\b(?:my|the|of|tasks?|todos?|to-?dos?|items?|ones|stuff|things|that\s+(?:are|is|were)"
    r"|which\s+(?:are|is)|i\s+have|on\s+my\s+list|from\s+my\s+list|in\s+my\s+list|list|open"
    r"|pending|everything|all|please|now|that'?s|are|is|with|as|off|due)\b"
)


# "delete the groceries list", "get rid of my shopping list": the list by its name (one or two
# words, so "the task make a packing list" stays a single task), read as "everything in it"
_WHOLE_LIST = pattern(
    r"^(?:(?:my|the|our|that|this)\s+)?(?:(?:whole|entire)\s+)?"
    r"(?!(?:task|todo|to-?do|item)\b)(?P<l>[\w'&-]+(?:\s+[\w'&-]+)?)\s+list$"
)
_PLURAL = pattern(r"\b(?:tasks|todos|to-?dos|items|ones)\b")


def _filter(rest: str, verb: BulkVerb) -> TaskFilter | None:
    """The filter the words after "all" name, or None when words are left that no filter
    takes ("complete all the paperwork" is a task called so, not a bulk action)."""
    low = " " + rest.lower().strip() + " "
    f = TaskFilter()
    take: list[str] = []

    def grab(rx: str) -> re.Match[str] | None:
        m = re.search(rx, low, _I)
        if m:
            take.append(m.group(0))
        return m

    if grab(r"\b(?:completed|complete|done|finished|checked\s+off|ticked\s+off|closed)\b"):
        f.status = "completed" if verb != "complete" else None
    if grab(r"\b(?:overdue|late|past\s+due|missed)\b"):
        f.due = "overdue"
    elif grab(r"\b(?:with\s+no|without\s+a?)\s+(?:due\s+)?date\b|\bundated\b"):
        f.due = "no_date"
    elif grab(r"\b(?:due\s+)?next\s+week\b"):
        f.due = "next_week"
    elif grab(r"\b(?:due\s+)?(?:for\s+)?(?:today|tonight)(?:'s)?\b"):
        f.due = "today"
    elif grab(r"\b(?:due\s+)?(?:for\s+)?tomorrow(?:'s)?\b"):
        f.due = "tomorrow"
    elif grab(r"\b(?:due\s+)?this\s+week\b"):
        f.due = "week"
    m = grab(
        r"(?:#|\btagged\s+(?:as\s+|with\s+)?#?|\bwith\s+(?:the\s+)?(?:tag|label)\s+#?"
        r"|\blabel(?:l)?ed\s+#?)(?P<t>[a-z][\w-]*)|\b(?P<t2>[a-z]\w*)-(?:tagged|labell?ed)\b"
    )
    if m:
        f.tag = m.group("t") or m.group("t2")
    m = grab(
        r"\b(?:on|in|from)\s+(?:my\s+|the\s+)?(?P<l>[\w'&-]+(?:\s+[\w'&-]+)?)\s+(?:list|project)\b"
    )
    if m:
        f.list_name = m.group("l")
    m = grab(r"\b(?P<p>high|low|medium)[\s-]+priority\b|\b(?P<u>urgent|important)\b")
    if m:
        f.priority = priority_word(m.group("p") or m.group("u"))  # type: ignore[assignment]
    m = grab(r"\b(?:about|containing|mentioning|called|named|with)\s+(?P<q>[\w'-]+(?:\s+[\w'-]+)?)")
    if m and f.tag is None:
        f.search = m.group("q")
    left = low
    for piece in take:
        left = left.replace(piece, " ", 1)
    left = _NOISE.sub(" ", left)
    words = left.split()
    if (
        len(words) == 1
        and re.search(rf"\b{re.escape(words[0])}\s+(?:tasks?|todos?|to-?dos?|items?|ones)\b", low)
        and not any((f.tag, f.list_name, f.search))
        and re.fullmatch(r"[a-z][\w-]*", words[0])
    ):
        f.category = words[0]  # "delete all travel tasks": a list of that name, else the tag
        return f
    if re.search(r"\w", left):
        return None
    return f


def _bulk(s: str, now: datetime) -> Intent | None:
    m = _HEAD.match(s)
    if m is None:
        return None
    verb: BulkVerb = "delete" if m["delete"] else "complete" if m["complete"] else "reopen"
    body = m["body"].strip()
    if re.search(r"\breminders?\b|\balerts?\b|\bnotifications?\b", body, _I):
        return None  # "remove all reminders for X"
    body = _TAIL.sub("", body) if verb == "complete" else body
    if _LISTED.match(body):
        return BulkAction(action=verb, filter=TaskFilter(listed=True))
    whole = _WHOLE_LIST.match(body) if verb == "delete" else None
    as_title = None
    if whole is not None and not re.search(
        r"\b(?:task|todo|to-?do|item|my|the|our|this|that|it|from|on|in|off|of|to|whole|entire)\b",
        whole["l"],
        _I,
    ):
        as_title = body
        body = f"everything in the {whole['l']} list"  # the same path as that phrasing
    if verb == "delete" and _CLEAR_DONE.match(body):
        return BulkAction(action=verb, filter=TaskFilter(status="completed"))
    q = _QUANTIFIED.match(body)
    if q is not None:
        rest = q["rest"]
    elif _PLURAL.search(body):
        rest = body  # "complete overdue tasks", "delete tasks tagged travel": a plural is "all"
    else:
        return None
    f = _filter(rest, verb)
    if q is None and f is not None and f in (TaskFilter(), TaskFilter(status="completed")):
        f = f if f.status else None  # "delete tasks" alone: too little to act on all
    if f is None:
        return None
    if verb == "complete" and f.status == "completed":
        return None
    if verb == "delete" and f == TaskFilter():
        f.status = "all"  # "delete all my tasks", "delete everything"
    return BulkAction(action=verb, filter=f, as_title=as_title)


RULES: tuple[Rule, ...] = (Rule("bulk.filter", 0.85, _bulk),)
