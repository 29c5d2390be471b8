"""Intent family "edit": change an existing task (due date, title, tags, priority,
description, list, repeat), complete, reopen or delete it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from agent.nlp.cues import (
    ADD_PREFIXES,
    DELETE_PATTERNS,
    DONE_WORDS,
    POLITE,
    REMIND_PREFIX,
    pattern,
    starts_add,
)
from agent.nlp.dates import DateParse, extract_datetime
from agent.nlp.decision import Rule
from agent.nlp.intent_add import build_add
from agent.nlp.intents import (
    CompleteTask,
    DeleteTask,
    Intent,
    ReopenTask,
    SetRecurrence,
    UpdateTask,
)
from agent.nlp.lists import NOT_A_LIST
from agent.nlp.priority import priority_word
from agent.nlp.recurrence import checked_rule, find_recurrence
from agent.nlp.refs import clean_ref, is_position_ref
from agent.nlp.tags import split_tags
from agent.nlp.text import mask, remove_spans, tidy

_I = re.IGNORECASE

_SET_REC_MAKE = pattern(rf"^{POLITE}(?:make|turn|have|let|repeat)\b")
_SET_REC_SET = pattern(rf"^{POLITE}(?:set|change|update|switch)\b")
_ADVERB_ONLY = re.compile(
    r"(?:daily|weekly|monthly|yearly|annually|hourly|fortnightly|biweekly|nightly)"
)
_SET_REC_WORD = pattern(
    r"\b(?:repeat|repeats|repeating|repeated|recur|recurs|recurring|recurrent)\b"
)
_REC_LEAD = pattern(rf"^{POLITE}(?:make|set|have|let|change|update|turn|switch|repeat)\s+")
_REC_TRAIL = pattern(
    r"(?:\s+(?:should|to|will|must|be|repeat|repeats|repeating|repeated|recur|recurs|recurring"
    r"|itself|a|an|task|one|thing|so|that|it|into|as|every\s*time|happen|happens|from\s+now\s+on"
    r"|now|please))+$"
)


def _set_recurrence(s: str, now: datetime) -> Intent | None:
    if any(rx.match(s) for rx in ADD_PREFIXES) or REMIND_PREFIX.match(s):
        return None
    has_word = _SET_REC_WORD.search(s) is not None
    starts_make = _SET_REC_MAKE.match(s) is not None
    starts_set = _SET_REC_SET.match(s) is not None
    if not (has_word or starts_make or starts_set):
        return None
    spec = find_recurrence(s, now)
    if spec is None:
        return None
    if not has_word:
        phrase = s[spec.span[0] : spec.span[1]].strip().lower()
        if starts_make and not _ADVERB_ONLY.fullmatch(phrase):
            return None
        if starts_set and not re.search(r"\bto\s+(?:be\s+)?$", s[: spec.span[0]], _I):
            return None
    masked = mask(s, spec.spans)
    dp = extract_datetime(masked, now)
    ref = remove_spans(masked, dp.spans)
    ref = _REC_LEAD.sub("", ref)
    prev = None
    while prev != ref:
        prev = ref
        ref = _REC_TRAIL.sub("", tidy(ref))
    ref = clean_ref(ref)
    if not ref:
        return None
    return SetRecurrence(
        ref=ref, recurrence=checked_rule(spec), repeat_from_completion=spec.from_completion
    )


_UPD_TAGS = [
    pattern(rf"^{POLITE}(?:tag|label)\s+(?P<ref>.+?)\s+(?:with|as)\s+(?P<tags>.+)$"),
    pattern(
        rf"^{POLITE}(?:add|put)\s+(?:the\s+)?(?:tags?|labels?)\s+(?P<tags>.+?)\s+(?:to|on)\s+"
        r"(?P<ref>.+)$"
    ),
    pattern(
        rf"^{POLITE}(?:add|put)\s+(?P<tags>#[\w-]+(?:\s*(?:,|and|&)?\s*#[\w-]+)*)\s+(?:to|on)\s+"
        r"(?P<ref>.+)$"
    ),
]
_UPD_DESC = [
    pattern(
        rf"^{POLITE}(?:add|put|attach)\s+(?:a\s+|the\s+)?(?:note|description|details?|comment)s?"
        r"\s+(?:to|on|for)\s+(?P<ref>.+?)\s*(?::|\bsaying\b|\bthat\s+says\b|\s-\s)\s*(?P<d>.+)$"
    ),
    pattern(
        rf"^{POLITE}(?:set|change|update|edit)\s+(?:the\s+)?(?:description|note|notes|details)"
        r"\s+(?:of|for|on)\s+(?P<ref>.+?)\s+to\s+(?P<d>.+)$"
    ),
    pattern(rf"^{POLITE}describe\s+(?P<ref>.+?)\s+as\s+(?P<d>.+)$"),
]
_P_WORDS = (
    r"(?:(?:a|an)\s+)?(?:(?:very|super)\s+)?(?:high|low|medium|normal|top|no|med)"
    r"[\s-]+(?:priority|prio)|urgent|important|not\s+urgent|not\s+important|p[0-4]"
    r"|high|low|medium"
)
_UPD_PRIORITY = [
    pattern(
        rf"^{POLITE}(?:change|set|update|make|switch|mark|raise|lower|bump|move)\s+(?:the\s+)?"
        r"(?:priority|prio)\s+(?:of|for|on)\s+(?P<ref>.+?)\s+(?:to|as)\s+(?P<p>.+)$"
    ),
    pattern(
        rf"^{POLITE}(?:set|change|update|make|switch|mark)\s+(?P<ref>.+?)(?:'s)?\s+(?:priority|prio)"
        r"\s*(?:to|as|=|:)\s*(?P<p>.+)$"
    ),
    pattern(
        rf"^{POLITE}(?:make|mark|set|flag|change|bump|move|update|switch)\s+(?P<ref>.+?)\s+"
        rf"(?:as\s+|to\s+)?(?P<p>{_P_WORDS})[.!]*$"
    ),
    pattern(rf"^(?P<ref>.+?)\s+(?:is|should\s+be|is\s+now)\s+(?P<p>{_P_WORDS})[.!]*$"),
    pattern(r"^(?:please\s+)?(?P<p>prioriti[sz]e|deprioriti[sz]e)\s+(?P<ref>.+)$"),
]
_UPD_RENAME = [
    pattern(rf"^{POLITE}(?:rename|retitle|re-name)\s+(?P<ref>.+?)\s+(?:to|as|into)\s+(?P<new>.+)$"),
    pattern(
        rf"^{POLITE}(?:change|update|edit|set)\s+(?:the\s+)?(?:title|name|text|wording)\s+"
        r"(?:of|for|on)\s+(?P<ref>.+?)\s+to\s+(?P<new>.+)$"
    ),
    pattern(
        rf"^{POLITE}(?:change|update|edit|set)\s+(?P<ref>.+?)(?:'s)?\s+(?:title|name)\s+to\s+"
        r"(?P<new>.+)$"
    ),
]
_UPD_DUE = pattern(
    rf"^{POLITE}(?:move|reschedule|re-schedule|push|postpone|delay|defer|shift|bump|change"
    r"|set(?!\s+up\b)|update|put|make)\s+(?P<body>.+)$"
)
_MOVE_TO_LIST = pattern(
    rf"^{POLITE}(?:move|transfer|shift|file|refile|re-file)\s+(?P<ref>.+?)\s+(?:over\s+)?"
    r"(?:to|into|in|onto|on|under)\s+(?:my\s+|the\s+|our\s+)?(?:list\s+|project\s+)?"
    r"(?P<l>[\w'&-]+(?:\s+[\w'&-]+)?)(?:\s+(?:list|project))?$"
)
_UPD_IS_DUE = pattern(
    r"^(?P<ref>.+?)\s+(?:is\s+)?(?:now\s+)?(?:due|happening|scheduled)\s+(?P<when>.+)$"
)
_DUE_REF_PREFIX = pattern(
    r"^(?:the\s+)?(?:due\s+date|deadline|date|time|due\s+time|due)\s+"
    r"(?:of|for|on)\s+"
)
_DUE_REF_SUFFIX = pattern(r"(?:'s)?\s+(?:due\s+date|deadline|due\s+time|due|date)$")
_DUE_CONNECT = ("to", "for", "until", "till", "back to", "out to", "forward to", "over to")


def _update_priority(ref: str, p: str) -> Intent | None:
    word = p.lower()
    if word.startswith("priorit"):
        level = "high"
    elif word.startswith("depriorit"):
        level = "low"
    else:
        level = priority_word(p)  # type: ignore[assignment]
    ref = clean_ref(ref)
    if level is None or not ref:
        return None
    return UpdateTask(ref=ref, priority=level)  # type: ignore[arg-type]


_TIME_REF = pattern(
    r"^(?:the\s+|its\s+|my\s+)?(?:due\s+)?(?:time|date|deadline|day|hour|appointment\s+time)$"
)


def kept(dp: DateParse) -> Literal["date", "time"] | None:
    """What of the task's due time a new one leaves: its date ("4pm") or its time ("Friday")."""
    if dp.date_part is None and dp.time_part is not None:
        return "date"
    if dp.time_part is None and dp.date_part is not None:
        return "time"
    return None


# "oops i meant 5pm", "no, make it thursday", "i meant call dad": a correction of the task
# this conversation last touched
_CORRECTION = pattern(
    r"^(?:(?:oops|whoops|sorry|no|nope|wait|actually|ah|oh|hmm|my\s+bad|ugh)[,!.\s]+)*"
    r"(?:i\s+meant(?:\s+to\s+say)?|i\s+mean|make\s+(?:it|that)|change\s+(?:it|that)\s+to"
    r"|(?:it\s+|that\s+)?should\s+(?:be|have\s+been|say)|it'?s\s+actually|not\s+\S+(?:\s+\S+)?,)"
    r"\s*(?:at\s+|on\s+|for\s+|to\s+)?(?P<new>.+)$"
)
_CORRECT_NO = pattern(r"^(?:no|nope|oops|sorry)[,!.\s]+(?P<new>.+)$")


def _correction(s: str, now: datetime) -> Intent | None:
    m = _CORRECTION.match(s)
    bare = m is None
    m = m or _CORRECT_NO.match(s)
    if m is None:
        return None
    new = tidy(m.group("new"))
    dp = extract_datetime(new, now, extra_connectors=_DUE_CONNECT)
    if dp.found and not tidy(remove_spans(new, dp.spans)):
        return UpdateTask(ref="it", due_at=dp.when, keep=kept(dp))
    if bare or not new or re.search(r"\b(?:it|that|this)\b", new, _I):
        return None  # "no, delete it": not a new title
    if not re.match(
        r"^(?:(?:oops|whoops|sorry|no|nope|wait|actually|ah|oh|hmm|my\s+bad|ugh)[,!.\s]+)*"
        r"(?:i\s+meant|i\s+mean|(?:it\s+|that\s+)?should\s+say)\b",
        s,
        _I,
    ):
        return None  # "make it high priority" is no new title
    return UpdateTask(ref="it", new_title=new)


def _update(s: str, now: datetime) -> Intent | None:
    for rx in _UPD_TAGS:
        m = rx.match(s)
        if m and (tags := split_tags(m.group("tags"))) and (ref := clean_ref(m.group("ref"))):
            return UpdateTask(ref=ref, add_tags=tags)
    for rx in _UPD_DESC:
        m = rx.match(s)
        if m and (ref := clean_ref(m.group("ref"))):
            return UpdateTask(ref=ref, description=tidy(m.group("d")))
    for rx in _UPD_PRIORITY:
        m = rx.match(s)
        if m and (res := _update_priority(m.group("ref"), m.group("p"))):
            return res
    for rx in _UPD_RENAME:
        m = rx.match(s)
        if m and (ref := clean_ref(m.group("ref"))) and (new := tidy(m.group("new"))):
            return UpdateTask(ref=ref, new_title=new)
    m = _MOVE_TO_LIST.match(s)
    if m and not extract_datetime(m.group("l"), now).found:
        name = re.sub(r"\s+(?:list|project)$", "", tidy(m.group("l")), flags=_I)
        ref = clean_ref(m.group("ref"))
        if ref and name and not NOT_A_LIST.match(name):
            return UpdateTask(ref=ref, list_name=name)
    m = None if starts_add(s) else _UPD_DUE.match(s)  # "make sure I ...", "set a reminder to"
    if m:
        body = m.group("body")
        dp = extract_datetime(body, now, extra_connectors=_DUE_CONNECT)
        if dp.found:
            ref = remove_spans(body, dp.spans)
            ref = _DUE_REF_SUFFIX.sub("", _DUE_REF_PREFIX.sub("", tidy(ref)))
            ref = re.sub(r"\s+(?:back|out|forward|over|up)$", "", ref, flags=_I)
            ref = clean_ref(ref)
            if _TIME_REF.match(ref):
                ref = "it"  # "change the time to 4pm": the task last touched
            if ref:
                return UpdateTask(ref=ref, due_at=dp.when, keep=kept(dp))
        verb = s.split()[0].lower()
        mm = re.match(r"^(?P<ref>.+?)\s+to\s+(?P<new>.+)$", body, _I)
        if verb in ("change", "update") and mm:
            ref, new = clean_ref(mm.group("ref")), tidy(mm.group("new"))
            if ref and new:
                return UpdateTask(ref=ref, new_title=new)
    m = None if starts_add(s) else _UPD_IS_DUE.match(s)  # "add report due in 3 days"
    if m:
        dp = extract_datetime(m.group("when"), now)
        if dp.found and not tidy(remove_spans(m.group("when"), dp.spans)):
            ref = clean_ref(m.group("ref"))
            if ref:
                return UpdateTask(ref=ref, due_at=dp.when)
    return None


_REOPEN = [
    pattern(
        rf"^{POLITE}(?:reopen|re-open|uncheck|untick|unmark|unfinish|uncomplete|un-complete"
        r"|restore|revive|resurrect)\s+(?P<ref>.+)$"
    ),
    pattern(
        rf"^{POLITE}undo\s+(?:(?:completing|finishing|marking|the\s+completion\s+of)\s+)?"
        r"(?P<ref>.+?)(?:\s+(?:as\s+)?done)?$"
    ),
    pattern(
        rf"^{POLITE}mark\s+(?P<ref>.+?)\s+(?:as\s+)?(?:not\s+(?:yet\s+)?{DONE_WORDS}|undone|incomplete"
        r"|unfinished|pending|open|to\s*do|active|uncompleted|not\s+complete)$"
    ),
    pattern(
        rf"^(?P<ref>.+?)\s+(?:isn't|wasn't|is\s+not|was\s+not|(?:is|was)\s+actually\s+not)\s+"
        rf"(?:actually\s+|really\s+)?{DONE_WORDS}(?:\s+(?:yet|after\s+all|actually|really|anymore))*$"
    ),
    pattern(
        rf"^{POLITE}(?:put|move|add)\s+(?P<ref>.+?)\s+back\s+(?:on|to|in)\s+(?:my\s+|the\s+)?"
        r"(?:list|pending|tasks|todo\s+list)$"
    ),
]
_COMPLETE = [
    pattern(rf"^{POLITE}mark\s+(?P<ref>.+?)\s+(?:as\s+)?{DONE_WORDS}$"),
    pattern(
        rf"^{POLITE}(?:mark|check|tick|cross)\s+(?P<ref>.+?)\s+off(?:\s+(?:my\s+|the\s+)?"
        r"(?:list|todo\s+list|to-do\s+list))?$"
    ),
    pattern(rf"^{POLITE}(?:check|tick|cross)\s+off\s+(?P<ref>.+)$"),
    pattern(
        r"^(?:i(?:'ve|\s+have)?\s+)?(?:just\s+|already\s+|finally\s+)*(?:finished|completed"
        r"|done|did)\s+(?:with\s+)?(?P<ref>.+)$"
    ),
    pattern(r"^(?:i'?m|i\s+am)\s+(?:all\s+)?(?:done|finished)\s+(?:with\s+)?(?P<ref>.+)$"),
    pattern(
        rf"^(?P<ref>.+?)(?:\s+(?:is|are|has\s+been|have\s+been|was|got)|'s)\s+(?:now\s+|all\s+|finally\s+)?"
        rf"{DONE_WORDS}[.!]*$"
    ),
    pattern(r"^(?P<ref>.+?)\s+(?:done|finished|completed)[.!]*$"),
    pattern(r"^(?:done|finished|completed)\s*[:\-]\s*(?P<ref>.+)$"),
]
# "tick that one", "tick it", "tick the second one": tick alone completes too
_COMPLETE_VERB = pattern(rf"^{POLITE}(?:complete|finish|close|resolve|tick)\s+(?P<ref>.+)$")


def _reopen(s: str, now: datetime) -> Intent | None:
    for rx in _REOPEN:
        m = rx.match(s)
        if m and (ref := clean_ref(m.group("ref"))):
            return ReopenTask(ref=ref)
    return None


def _complete(s: str, now: datetime) -> Intent | None:
    for rx in _COMPLETE:
        m = rx.match(s)
        if m and (ref := clean_ref(m.group("ref"))):
            return CompleteTask(ref=ref)
    m = _COMPLETE_VERB.match(s)
    if m:
        body = m.group("ref")
        if is_position_ref(body):
            return CompleteTask(ref=clean_ref(body))  # "complete the 2nd one": not a date
        if extract_datetime(body, now).found or find_recurrence(body) is not None:
            return build_add(s, now, reminder=False)  # "finish the report by friday"
        if ref := clean_ref(body):
            return CompleteTask(ref=ref)
    return None


def _delete(s: str, now: datetime) -> Intent | None:
    for rx in DELETE_PATTERNS:
        m = rx.match(s)
        if m:
            ref = re.sub(
                r"\s+(?:from|off)\s+(?:my\s+|the\s+)?(?:list|tasks|todos?|to-?do\s+list"
                r"|todo\s+list)$",
                "",
                m.group("ref"),
                flags=_I,
            )
            if ref := clean_ref(ref):
                return DeleteTask(ref=ref)
    return None


RULES = (
    Rule("edit.recurrence", 0.74, _set_recurrence),
    Rule("edit.correction", 0.745, _correction),
    Rule("edit.update", 0.72, _update),
    Rule("edit.reopen", 0.66, _reopen),
    Rule("edit.complete", 0.64, _complete),
    Rule("edit.delete", 0.62, _delete),
)
