"""Intent family "query": list, filter and search the user's tasks."""

from __future__ import annotations

import re
from datetime import datetime

from agent.nlp.compound import TASK_VERBS
from agent.nlp.cues import DELETE_PATTERNS, POLITE, pattern, starts_add
from agent.nlp.decision import Rule
from agent.nlp.intents import Intent, ListTasks
from agent.nlp.lists import named_list
from agent.nlp.priority import priority_word
from agent.nlp.text import tidy

_I = re.IGNORECASE

_LIST_START = pattern(
    rf"^{POLITE}(?:show|list|display|view|see|get|give|tell|print|what|what's|whats|which"
    r"|do\s+i\s+have|have\s+i|is\s+there|are\s+there|any|anything|how\s+many|find|search"
    r"|look\s+up|lookup)\b"
)
_LIST_NOUN = pattern(
    r"\b(?:tasks?|todos?|to-?dos?|list|items?|things|agenda|schedule|plate|pending|overdue"
    r"|completed|done|finished|due|left|remaining|outstanding|open|upcoming|planned|everything"
    r"|anything|today|tomorrow|week|to\s+do|tagged|priority|finish|accomplish|complete|date|dates"
    r"|deadline|deadlines|urgent|important)\b|#\w"
)
_LIST_WHOLE = pattern(
    r"^(?:my\s+)?(?:tasks|todos|to-?dos|to-?do\s+list|todo\s+list|list|agenda|pending|overdue"
    r"|completed(?:\s+tasks)?|pending\s+tasks|all\s+tasks)[?.!]*$"
)
_SEARCH_VERB = pattern(r"^(?:please\s+)?(?:find|search(?:\s+for)?|look\s+up|lookup)\s+(?P<q>.+)$")
_SEARCH_KW = pattern(
    r"\b(?:about|containing|contain|that\s+contain|matching|mentioning|mention|related\s+to"
    r"|regarding|called|named|titled|with\s+the\s+words?|for)\s+(?P<q>.+)$"
)


def _list_filters(s: str) -> ListTasks:
    low = s.lower()
    out = ListTasks()
    if re.search(
        r"\b(?:completed|complete|done|finished|closed|checked\s+off|finish|ticked\s+off"
        r"|crossed\s+off|accomplished|got\s+done)\b",
        low,
    ) and not re.search(r"\b(?:not|un|in)\s*(?:completed|complete|done|finished)\b", low):
        out.status = "completed"
    elif re.search(
        r"\b(?:pending|open|incomplete|outstanding|remaining|unfinished|left|active"
        r"|undone|not\s+done|to\s+do|todo)\b",
        low,
    ):
        out.status = "pending"
    elif re.search(r"\b(?:all|everything|every)\b", low):
        out.status = "all"
    if re.search(r"\b(?:overdue|late|past\s+due|missed)\b", low):
        out.due = "overdue"
    elif re.search(
        r"\b(?:no|without\s+an?|missing\s+an?)\s+(?:due\s+)?(?:date|deadline)s?\b|\bundated\b"
        r"|\bunscheduled\b|\bnot\s+scheduled\b|\bsomeday\b|\bdon'?t\s+have\s+an?\s+(?:due\s+)?date",
        low,
    ):
        out.due = "no_date"
    elif re.search(r"\bnext\s+week\b", low):
        out.due = "next_week"
    elif re.search(r"\b(?:today|tonight)\b", low):
        out.due = "today"
    elif re.search(r"\btomorrow\b", low):
        out.due = "tomorrow"
    elif re.search(r"\b(?:this|the|next\s+7\s+days|coming)\s*week\b|\bweek\b", low):
        out.due = "week"
    m = re.search(
        r"(?:#|\btagged\s+(?:as\s+|with\s+)?#?|\btag\s+#?|\blabel(?:led)?\s+#?)"
        r"(?P<t>[a-z][\w-]*)",
        low,
    )
    if m:
        out.tag = m.group("t")
    m = re.search(r"\b(?P<p>high|low|medium|urgent|important)(?:[\s-]+priority)?\b", low)
    if m and (m.group(0).endswith("priority") or m.group("p") in ("urgent", "important")):
        out.priority = priority_word(m.group("p"))
    m = _SEARCH_VERB.match(s) or _SEARCH_KW.search(s)
    if m:
        q = re.sub(
            r"^(?:(?:my|the|all|any)\s+)*(?:tasks?|todos?|items?)\s*(?:about|for|with"
            r"|containing|called|named|matching)?\s+",
            "",
            m.group("q"),
            flags=_I,
        )
        q = tidy(q)
        if q and not re.fullmatch(
            r"(?:my\s+)?(?:tasks?|todos?|list|items?|today|tomorrow)", q, flags=_I
        ):
            out.search = q
            if _SEARCH_VERB.match(s) and out.status == "pending" and "todo" in q.lower():
                out.status = None
    return out


_CATEGORY = pattern(
    r"\b(?:my|the|all(?:\s+(?:of\s+)?(?:my|the))?|any|show|list)\s+#?(?P<c>[a-z][\w-]*)"
    r"\s+(?:tasks?|todos?|to-?dos?|items?|stuff|things|ones|jobs|errands)\b"
)
_NOT_CATEGORY = pattern(
    r"^(?:completed|complete|done|finished|pending|open|overdue|late|upcoming|current|other"
    r"|remaining|outstanding|unfinished|incomplete|active|closed|new|old|recent|today'?s?"
    r"|tomorrow'?s?|weekly|daily|monthly|recurring|repeating|all|urgent|important|high|low"
    r"|medium|undated|scheduled|unscheduled|next|last|first|second|third|these|those|its?|own"
    r"|every|each|some|many|few|the|my|your|our|open|this|that|week'?s?|priority)$"
)


def _category(s: str, found: ListTasks) -> ListTasks:
    """ "show my work tasks": a list of that name or else a tag (the runner checks which)."""
    if found.tag or found.list_name or found.search:
        return found
    m = _CATEGORY.search(s)
    if m and not _NOT_CATEGORY.match(m.group("c")):
        found.category = m.group("c").lower()
    return found


_TAG_ONLY = pattern(r"^(?:show\s+|list\s+)?#(?P<t>[a-z][\w-]*)(?:\s+(?:tasks|items|todos))?\??$")


def _no_filters(s: str) -> bool:
    """Nothing in the message but a name: "list groceries", not "show urgent"."""
    return not _LIST_NOUN.search(s.split()[-1]) and _list_filters(s) == ListTasks()


def _list(s: str, now: datetime) -> Intent | None:
    found = _list_plain(s, now)
    if isinstance(found, ListTasks):
        return _category(s, found)
    m = _TAG_ONLY.match(s)
    if m:
        return ListTasks(tag=m.group("t").lower())
    return found


def _list_plain(s: str, now: datetime) -> Intent | None:
    if starts_add(s) or any(rx.match(s) for rx in DELETE_PATTERNS):
        return None  # "give me a heads-up to ... tomorrow", "get rid of the old task"
    if _LIST_WHOLE.match(s):
        return _list_filters(s)
    if _LIST_START.match(s) and re.match(r"^(?:what|which)\s+(?:time|day|date)\b", s, _I):
        return None
    if _LIST_START.match(s) and (name := named_list(s, now, bare=True, plain=_no_filters(s))):
        found = _list_filters(s)
        found.list_name = name
        if found.search and name.lower() in found.search.lower():
            found.search = None  # "what's on my work list" is not a search for "work"
        return found
    if _LIST_START.match(s) and (_LIST_NOUN.search(s) or _SEARCH_VERB.match(s)):
        return _list_filters(s)
    if _SHOW_ONLY.match(s) and (found := _list_filters(s)) != ListTasks():
        return found  # "show urgent"
    return None


_SHOW_ONLY = pattern(rf"^{POLITE}(?:show|list|display|view)\s+(?:me\s+)?\S")

# "today's tasks pls", "tasks for tomorrow?", "my work todos", "overdue stuff": a noun phrase
# naming tasks, with no verb, asks for them
_NOUN_QUERY = pattern(
    r"^(?:(?:my|the|all|all\s+my|any|all\s+the)\s+)?(?P<q>(?:[\w'#-]+\s+){0,3}?)"
    r"(?:tasks?|todos?|to-?dos?|agenda|schedule|items|stuff|things\s+to\s+do|plans?)"
    r"(?P<tail>\s+(?:for|due|on|tagged|with|in|from|left|remaining|this|next)\b.*)?"
    r"(?:\s+(?:pls|please|plz))?\s*\??$"
)


def _noun_query(s: str, now: datetime) -> Intent | None:
    m = _NOUN_QUERY.match(s)
    if m is None or re.search(r"(?<!\d):(?!\d)\s*\S", s):
        return None  # "tasks for today: a, b" is a list of tasks to add
    words = [w.strip("'") for w in m["q"].lower().split()]
    if any(w in TASK_VERBS or w in ("add", "new", "create", "delete", "remove") for w in words):
        return None
    found = _list_filters(s)
    if name := named_list(s, now, bare=True):
        found.list_name = name  # "tasks in work", "stuff on my groceries list"
        found.search = None
    return _category(s, found)


RULES = (
    Rule("query.list", 0.8, _list),
    Rule("query.noun_phrase", 0.795, _noun_query),
)
