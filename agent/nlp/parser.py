"""Rule-based parser: one chat message -> one structured :data:`Intent`.

Handlers are tried in a fixed order; the first one that recognises the message wins.
See ``dates.py`` and ``recurrence.py`` for how date and recurrence phrases resolve.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from agent.nlp.compound import PARTS, conjoined_items, time_phrase_last
from agent.nlp.dates import extract_datetime
from agent.nlp.errors import TOO_FAR, PhraseError
from agent.nlp.intents import (
    AddReminder,
    AddTask,
    AddTasks,
    CompleteTask,
    Confirm,
    DeleteTask,
    Help,
    Intent,
    ListTasks,
    RemoveReminder,
    ReopenTask,
    SetRecurrence,
    SetTimezone,
    Unknown,
    UpdateTask,
)
from agent.nlp.lists import LIST_HINT, NOT_A_LIST, list_target, named_list
from agent.nlp.priority import extract_priority, priority_word
from agent.nlp.recurrence import checked_rule, find_recurrence, first_occurrence
from agent.nlp.refs import clean_ref
from agent.nlp.tags import extract_tags, split_tags
from agent.nlp.text import (
    DURATION_RE,
    Span,
    duration_from_match,
    duration_minutes,
    first_quoted,
    mask,
    normalize,
    remove_spans,
    tidy,
)
from agent.nlp.timezones import resolve_timezone
from agent.nlp.typos import correct_typos

_I = re.IGNORECASE
Handler = Callable[[str, datetime], Intent | None]


def _rx(p: str) -> re.Pattern[str]:
    return re.compile(p, _I)


_POLITE = (
    r"(?:(?:please|pls|plz|ok|okay|hey|hi|so|and|also|now)[,\s]+)*"
    r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?"
)

# ---------------------------------------------------------------- confirm / help / tz
_YES = _rx(
    r"^(?:yes|y|yeah|yea|yep|yup|ya|sure|ok|okay|k|confirm|confirmed|do it|go ahead|please do"
    r"|absolutely|correct|right|affirmative|of course|definitely|yes please|sure thing"
    r"|that's right|sounds good|proceed|delete it|yes do it|yes delete it)"
    r"(?:[,\s]+(?:please|do it|go ahead|thanks|thank you|delete it))*[.!\s]*$"
)
_NO = _rx(
    r"^(?:no|n|nope|nah|cancel|don't|dont|do not|never ?mind|stop|abort|no thanks|not now"
    r"|forget it|don't do it|no way|negative|keep it|leave it)"
    r"(?:[,\s]+(?:thanks|thank you|cancel|don't|keep it|never ?mind))*[.!\s]*$"
)
_HELP = _rx(
    r"^(?:help|\?+|what can you do|what do you do|how does this work|how do i use (?:this|you)"
    r"|commands|what can i say|usage|menu|instructions|hi|hello|hey|start|/help|/start)"
    r"(?:\s+me)?[?!.\s]*$"
)
_TZ = [
    _rx(r"^(?:my\s+)?(?:time\s*zone|tz)\s+(?:is|=|:)\s*(?P<tz>.+)$"),
    _rx(
        rf"^{_POLITE}(?:set|change|update|switch|use)\s+(?:my\s+|the\s+)?(?:time\s*zone|tz)"
        r"\s*(?:to|as|=|:)?\s*(?P<tz>.+)$"
    ),
    _rx(
        r"^(?:i'?m|i\s+am|i\s+live|i'?m\s+living|i\s+moved)\s+(?:now\s+)?(?:in|to)\s+(?P<tz>.+?)"
        r"(?:\s+(?:now|time\s*zone))?$"
    ),
    _rx(r"^(?:use|switch\s+to)\s+(?P<tz>.+?)\s+time$"),
]


def _confirm(s: str, now: datetime) -> Intent | None:
    if _YES.match(s):
        return Confirm(yes=True)
    if _NO.match(s):
        return Confirm(yes=False)
    return None


def _help(s: str, now: datetime) -> Intent | None:
    return Help() if _HELP.match(s) else None


def _timezone(s: str, now: datetime) -> Intent | None:
    for i, rx in enumerate(_TZ):
        m = rx.match(s)
        if m:
            key = resolve_timezone(m.group("tz"))
            if key is not None:
                return SetTimezone(tz=key)
            if i < 2:
                return Unknown(text=s)
    return None


# ---------------------------------------------------------------------------- list
_LIST_START = _rx(
    rf"^{_POLITE}(?:show|list|display|view|see|get|give|tell|print|what|what's|whats|which"
    r"|do\s+i\s+have|have\s+i|is\s+there|are\s+there|any|anything|how\s+many|find|search"
    r"|look\s+up|lookup)\b"
)
_LIST_NOUN = _rx(
    r"\b(?:tasks?|todos?|to-?dos?|list|items?|things|agenda|schedule|plate|pending|overdue"
    r"|completed|done|finished|due|left|remaining|outstanding|open|upcoming|planned|everything"
    r"|anything|today|tomorrow|week|to\s+do|tagged|priority)\b|#\w"
)
_LIST_WHOLE = _rx(
    r"^(?:my\s+)?(?:tasks|todos|to-?dos|to-?do\s+list|todo\s+list|list|agenda|pending|overdue"
    r"|completed(?:\s+tasks)?|pending\s+tasks|all\s+tasks)[?.!]*$"
)
_SEARCH_VERB = _rx(r"^(?:please\s+)?(?:find|search(?:\s+for)?|look\s+up|lookup)\s+(?P<q>.+)$")
_SEARCH_KW = _rx(
    r"\b(?:about|containing|contain|that\s+contain|matching|mentioning|mention|related\s+to"
    r"|regarding|called|named|titled|with\s+the\s+words?|for)\s+(?P<q>.+)$"
)


def _list_filters(s: str) -> ListTasks:
    low = s.lower()
    out = ListTasks()
    if re.search(
        r"\b(?:completed|complete|done|finished|closed|checked\s+off)\b", low
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


def _no_filters(s: str) -> bool:
    """Nothing in the message but a name: "list groceries", not "show urgent"."""
    return not _LIST_NOUN.search(s.split()[-1]) and _list_filters(s) == ListTasks()


def _list(s: str, now: datetime) -> Intent | None:
    if _starts_add(s) or any(rx.match(s) for rx in _DELETE):
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


_SHOW_ONLY = _rx(rf"^{_POLITE}(?:show|list|display|view)\s+(?:me\s+)?\S")


# ----------------------------------------------------------------------- reminders
_VERB_REMIND = (
    r"(?:(?:remind|notify|alert|ping|warn|nudge|poke|buzz|text|message|email|prompt)\s+me"
    r"|(?:give|send)\s+me\s+an?\s+(?:reminder|nudge|ping|heads[\s-]?up|alert|shout)"
    r"|(?:set|add|create)\s+(?:me\s+)?an?\s+(?:reminder|alert)(?=\s+to\b))"
)
_REMOVE_REMINDER = [
    _rx(
        rf"^{_POLITE}(?:remove|delete|cancel|clear|turn\s+off|disable|drop|stop|kill|mute)\s+"
        r"(?:the\s+|my\s+|all\s+|any\s+)*(?:reminders?|alerts?|notifications?|alarms?)\s+"
        r"(?:for|on|from|of|about|to|in)\s+(?P<ref>.+)$"
    ),
    _rx(
        r"^(?:please\s+)?(?:don'?t|do\s+not|stop|no\s+need\s+to|no\s+longer)\s+"
        r"(?:remind|reminding|notify|notifying|alert|alerting)\s+me\s+(?:about|of|to|for)\s+"
        r"(?P<ref>.+)$"
    ),
    _rx(r"^(?:no|no\s+more)\s+(?:reminders?|alerts?)\s+(?:for|on|about)\s+(?P<ref>.+)$"),
    _rx(
        rf"^{_POLITE}(?:remove|delete|clear|cancel|turn\s+off)\s+(?P<ref>.+?)(?:'s)?\s+"
        r"(?:reminders?|alerts?)$"
    ),
]
_BEFORE = r"(?:before|ahead\s+of|prior\s+to|earlier\s+than)"
_ADD_REMINDER_BEFORE = [
    _rx(
        rf"^{_POLITE}{_VERB_REMIND}\s+(?P<dur>{DURATION_RE})\s+{_BEFORE}\s+(?:the\s+)?(?P<ref>.+)$"
    ),
    _rx(
        rf"^{_POLITE}(?:set|add|create|put)\s+(?:up\s+)?(?:a\s+|an\s+)?(?:reminder|alert)\s+"
        rf"(?:for\s+)?(?P<dur>{DURATION_RE})\s+{_BEFORE}\s+(?P<ref>.+)$"
    ),
    _rx(
        rf"^{_POLITE}{_VERB_REMIND}\s+(?:about|of|for)\s+(?P<ref>.+?)\s+(?P<dur>{DURATION_RE})\s+"
        r"(?:before|early|earlier|ahead|in\s+advance|beforehand|before\s+it(?:'s\s+due)?)$"
    ),
    _rx(
        rf"^{_POLITE}(?:set|add|create|put)\s+(?:a\s+|an\s+)?(?:reminder|alert)\s+(?:for|on|to)\s+"
        rf"(?P<ref>.+?)\s+(?P<dur>{DURATION_RE})\s+(?:before|early|earlier|ahead|in\s+advance)$"
    ),
]
_ADD_REMINDER_AT = [
    _rx(rf"^{_POLITE}{_VERB_REMIND}\s+(?:about|of|regarding)\s+(?P<rest>.+)$"),
    _rx(rf"^{_POLITE}{_VERB_REMIND}\s+(?P<when>.+?)\s+(?:about|of|regarding)\s+(?P<ref>.+)$"),
    _rx(
        rf"^{_POLITE}(?:set|add|create|put)\s+(?:up\s+)?(?:a\s+|an\s+)?(?:reminder|alert)\s+"
        r"(?:for|on)\s+(?P<rest>.+)$"
    ),
]


def _remove_reminder(s: str, now: datetime) -> Intent | None:
    for rx in _REMOVE_REMINDER:
        m = rx.match(s)
        if m and (ref := clean_ref(m.group("ref"))):
            return RemoveReminder(ref=ref)
    return None


def _add_reminder(s: str, now: datetime) -> Intent | None:
    for rx in _ADD_REMINDER_BEFORE:
        m = rx.match(s)
        if m:
            dm = re.match(DURATION_RE, m.group("dur"), _I)
            delta = duration_from_match(dm) if dm else None
            ref = clean_ref(m.group("ref"))
            if delta is not None and ref:
                return AddReminder(ref=ref, before_minutes=duration_minutes(delta))
    for rx in _ADD_REMINDER_AT:
        m = rx.match(s)
        if not m:
            continue
        groups = m.groupdict()
        if groups.get("when") is not None:
            dp = extract_datetime(groups["when"], now)
            if not dp.found or tidy(remove_spans(groups["when"], dp.spans)):
                continue
            ref = clean_ref(groups["ref"])
        else:
            rest = groups["rest"]
            dp = extract_datetime(rest, now)
            left = tidy(remove_spans(rest, dp.spans))
            if re.match(r"^to\s+", left, _I) or re.search(r"\bto\s+\w", rest[:4], _I):
                return None  # "set a reminder for 5pm to call mom" -> a new task
            ref = clean_ref(left)
        if ref:
            return AddReminder(ref=ref, at=dp.when)
    return None


# ------------------------------------------------------------------------ recurrence
_ADD_PREFIXES = [
    _rx(
        rf"^{_POLITE}(?:add|create|put(?!\s.+\sback\b)|schedule|set\s+up|jot\s+down|note\s+down|insert|log"
        r"|new)\s+(?P<rest>.+)$"
    ),
    _rx(
        rf"^{_POLITE}make\s+(?P<rest>(?:me\s+)?(?:an?|one)\s+(?:new\s+)?(?:[\w-]+\s+){{0,2}}"
        r"(?:task|todo|to-do|reminder|item|note|entry)\b.*)$"
    ),
    _rx(
        r"^(?:new\s+)?(?:todo|to-do|to\s+do|task|reminder|note(?:\s+to\s+self)?)\s*[:\-]\s*"
        r"(?P<rest>.+)$"
    ),
    _rx(
        r"^(?:please\s+)?(?:don'?t|do\s+not|dont)\s+(?:let\s+me\s+)?forget\s+(?:to\s+|about\s+)?"
        r"(?P<rest>.+)$"
    ),
    _rx(r"^(?:please\s+)?(?:remember|need|have|got|want|gotta)\s+to\s+(?P<rest>.+)$"),
    _rx(
        r"^i\s+(?:also\s+|really\s+|still\s+)?(?:need|have|want|ought|got|'ll\s+need|will\s+need)"
        r"\s+to\s+(?P<rest>.+)$"
    ),
    _rx(r"^i'?(?:ve|\s+have)\s+got\s+to\s+(?P<rest>.+)$"),
    _rx(r"^i\s+(?:must|should|gotta)\s+(?P<rest>.+)$"),
    _rx(r"^(?:must|gotta|should)\s+(?P<rest>.+)$"),
]
_REMIND_PREFIX = _rx(rf"^{_POLITE}{_VERB_REMIND}\s+(?P<rest>.+)$")
_SET_REC_MAKE = _rx(rf"^{_POLITE}(?:make|turn|have|let|repeat)\b")
_SET_REC_SET = _rx(rf"^{_POLITE}(?:set|change|update|switch)\b")
_ADVERB_ONLY = re.compile(
    r"(?:daily|weekly|monthly|yearly|annually|hourly|fortnightly|biweekly|nightly)"
)
_SET_REC_WORD = _rx(r"\b(?:repeat|repeats|repeating|repeated|recur|recurs|recurring|recurrent)\b")
_REC_LEAD = _rx(rf"^{_POLITE}(?:make|set|have|let|change|update|turn|switch|repeat)\s+")
_REC_TRAIL = _rx(
    r"(?:\s+(?:should|to|will|must|be|repeat|repeats|repeating|repeated|recur|recurs|recurring"
    r"|itself|a|an|task|one|thing|so|that|it|into|as|every\s*time|happen|happens|from\s+now\s+on"
    r"|now|please))+$"
)


def _set_recurrence(s: str, now: datetime) -> Intent | None:
    if any(rx.match(s) for rx in _ADD_PREFIXES) or _REMIND_PREFIX.match(s):
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


# ---------------------------------------------------------------------------- update
_UPD_TAGS = [
    _rx(rf"^{_POLITE}(?:tag|label)\s+(?P<ref>.+?)\s+(?:with|as)\s+(?P<tags>.+)$"),
    _rx(
        rf"^{_POLITE}(?:add|put)\s+(?:the\s+)?(?:tags?|labels?)\s+(?P<tags>.+?)\s+(?:to|on)\s+"
        r"(?P<ref>.+)$"
    ),
    _rx(
        rf"^{_POLITE}(?:add|put)\s+(?P<tags>#[\w-]+(?:\s*(?:,|and|&)?\s*#[\w-]+)*)\s+(?:to|on)\s+"
        r"(?P<ref>.+)$"
    ),
]
_UPD_DESC = [
    _rx(
        rf"^{_POLITE}(?:add|put|attach)\s+(?:a\s+|the\s+)?(?:note|description|details?|comment)s?"
        r"\s+(?:to|on|for)\s+(?P<ref>.+?)\s*(?::|\bsaying\b|\bthat\s+says\b|\s-\s)\s*(?P<d>.+)$"
    ),
    _rx(
        rf"^{_POLITE}(?:set|change|update|edit)\s+(?:the\s+)?(?:description|note|notes|details)"
        r"\s+(?:of|for|on)\s+(?P<ref>.+?)\s+to\s+(?P<d>.+)$"
    ),
    _rx(rf"^{_POLITE}describe\s+(?P<ref>.+?)\s+as\s+(?P<d>.+)$"),
]
_P_WORDS = (
    r"(?:(?:a|an)\s+)?(?:(?:very|super)\s+)?(?:high|low|medium|normal|top|no|med)"
    r"[\s-]+(?:priority|prio)|urgent|important|not\s+urgent|not\s+important|p[0-4]"
    r"|high|low|medium"
)
_UPD_PRIORITY = [
    _rx(
        rf"^{_POLITE}(?:change|set|update|make|switch|mark|raise|lower|bump|move)\s+(?:the\s+)?"
        r"(?:priority|prio)\s+(?:of|for|on)\s+(?P<ref>.+?)\s+(?:to|as)\s+(?P<p>.+)$"
    ),
    _rx(
        rf"^{_POLITE}(?:set|change|update|make|switch|mark)\s+(?P<ref>.+?)(?:'s)?\s+(?:priority|prio)"
        r"\s*(?:to|as|=|:)\s*(?P<p>.+)$"
    ),
    _rx(
        rf"^{_POLITE}(?:make|mark|set|flag|change|bump|move|update|switch)\s+(?P<ref>.+?)\s+"
        rf"(?:as\s+|to\s+)?(?P<p>{_P_WORDS})[.!]*$"
    ),
    _rx(rf"^(?P<ref>.+?)\s+(?:is|should\s+be|is\s+now)\s+(?P<p>{_P_WORDS})[.!]*$"),
    _rx(r"^(?:please\s+)?(?P<p>prioriti[sz]e|deprioriti[sz]e)\s+(?P<ref>.+)$"),
]
_UPD_RENAME = [
    _rx(rf"^{_POLITE}(?:rename|retitle|re-name)\s+(?P<ref>.+?)\s+(?:to|as|into)\s+(?P<new>.+)$"),
    _rx(
        rf"^{_POLITE}(?:change|update|edit|set)\s+(?:the\s+)?(?:title|name|text|wording)\s+"
        r"(?:of|for|on)\s+(?P<ref>.+?)\s+to\s+(?P<new>.+)$"
    ),
    _rx(
        rf"^{_POLITE}(?:change|update|edit|set)\s+(?P<ref>.+?)(?:'s)?\s+(?:title|name)\s+to\s+"
        r"(?P<new>.+)$"
    ),
]
_UPD_DUE = _rx(
    rf"^{_POLITE}(?:move|reschedule|re-schedule|push|postpone|delay|defer|shift|bump|change"
    r"|set(?!\s+up\b)|update|put|make)\s+(?P<body>.+)$"
)
_MOVE_TO_LIST = _rx(
    rf"^{_POLITE}(?:move|transfer|shift|file|refile|re-file)\s+(?P<ref>.+?)\s+(?:over\s+)?"
    r"(?:to|into|in|onto|on|under)\s+(?:my\s+|the\s+|our\s+)?(?:list\s+|project\s+)?"
    r"(?P<l>[\w'&-]+(?:\s+[\w'&-]+)?)(?:\s+(?:list|project))?$"
)
_UPD_IS_DUE = _rx(
    r"^(?P<ref>.+?)\s+(?:is\s+)?(?:now\s+)?(?:due|happening|scheduled)\s+(?P<when>.+)$"
)
_DUE_REF_PREFIX = _rx(
    r"^(?:the\s+)?(?:due\s+date|deadline|date|time|due\s+time|due)\s+"
    r"(?:of|for|on)\s+"
)
_DUE_REF_SUFFIX = _rx(r"(?:'s)?\s+(?:due\s+date|deadline|due\s+time|due|date)$")
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
    m = None if _starts_add(s) else _UPD_DUE.match(s)  # "make sure I ...", "set a reminder to"
    if m:
        body = m.group("body")
        dp = extract_datetime(body, now, extra_connectors=_DUE_CONNECT)
        if dp.found:
            ref = remove_spans(body, dp.spans)
            ref = _DUE_REF_SUFFIX.sub("", _DUE_REF_PREFIX.sub("", tidy(ref)))
            ref = re.sub(r"\s+(?:back|out|forward|over|up)$", "", ref, flags=_I)
            ref = clean_ref(ref)
            if ref:
                return UpdateTask(ref=ref, due_at=dp.when)
        verb = s.split()[0].lower()
        mm = re.match(r"^(?P<ref>.+?)\s+to\s+(?P<new>.+)$", body, _I)
        if verb in ("change", "update") and mm:
            ref, new = clean_ref(mm.group("ref")), tidy(mm.group("new"))
            if ref and new:
                return UpdateTask(ref=ref, new_title=new)
    m = None if _starts_add(s) else _UPD_IS_DUE.match(s)  # "add report due in 3 days"
    if m:
        dp = extract_datetime(m.group("when"), now)
        if dp.found and not tidy(remove_spans(m.group("when"), dp.spans)):
            ref = clean_ref(m.group("ref"))
            if ref:
                return UpdateTask(ref=ref, due_at=dp.when)
    return None


# ------------------------------------------------------------- complete/reopen/delete
_DONE = r"(?:done|complete|completed|finished|closed|resolved|taken\s+care\s+of|sorted|handled)"
_REOPEN = [
    _rx(
        rf"^{_POLITE}(?:reopen|re-open|uncheck|untick|unmark|unfinish|uncomplete|un-complete"
        r"|restore|revive|resurrect)\s+(?P<ref>.+)$"
    ),
    _rx(
        rf"^{_POLITE}undo\s+(?:(?:completing|finishing|marking|the\s+completion\s+of)\s+)?"
        r"(?P<ref>.+?)(?:\s+(?:as\s+)?done)?$"
    ),
    _rx(
        rf"^{_POLITE}mark\s+(?P<ref>.+?)\s+(?:as\s+)?(?:not\s+(?:yet\s+)?{_DONE}|undone|incomplete"
        r"|unfinished|pending|open|to\s*do|active|uncompleted|not\s+complete)$"
    ),
    _rx(
        rf"^(?P<ref>.+?)\s+(?:isn't|wasn't|is\s+not|was\s+not|(?:is|was)\s+actually\s+not)\s+"
        rf"(?:actually\s+|really\s+)?{_DONE}(?:\s+yet)?(?:\s+after\s+all)?$"
    ),
    _rx(
        rf"^{_POLITE}(?:put|move|add)\s+(?P<ref>.+?)\s+back\s+(?:on|to|in)\s+(?:my\s+|the\s+)?"
        r"(?:list|pending|tasks|todo\s+list)$"
    ),
]
_COMPLETE = [
    _rx(rf"^{_POLITE}mark\s+(?P<ref>.+?)\s+(?:as\s+)?{_DONE}$"),
    _rx(
        rf"^{_POLITE}(?:mark|check|tick|cross)\s+(?P<ref>.+?)\s+off(?:\s+(?:my\s+|the\s+)?"
        r"(?:list|todo\s+list|to-do\s+list))?$"
    ),
    _rx(rf"^{_POLITE}(?:check|tick|cross)\s+off\s+(?P<ref>.+)$"),
    _rx(
        r"^(?:i(?:'ve|\s+have)?\s+)?(?:just\s+|already\s+|finally\s+)*(?:finished|completed"
        r"|done|did)\s+(?:with\s+)?(?P<ref>.+)$"
    ),
    _rx(r"^(?:i'?m|i\s+am)\s+(?:all\s+)?(?:done|finished)\s+(?:with\s+)?(?P<ref>.+)$"),
    _rx(
        rf"^(?P<ref>.+?)\s+(?:is|are|has\s+been|have\s+been|was|got|'s)\s+(?:now\s+|all\s+|finally\s+)?"
        rf"{_DONE}[.!]*$"
    ),
    _rx(r"^(?P<ref>.+?)\s+(?:done|finished|completed)[.!]*$"),
    _rx(r"^(?:done|finished|completed)\s*[:\-]\s*(?P<ref>.+)$"),
]
# "tick that one", "tick it", "tick the second one": tick alone completes too
_COMPLETE_VERB = _rx(rf"^{_POLITE}(?:complete|finish|close|resolve|tick)\s+(?P<ref>.+)$")
_DELETE = [
    _rx(
        rf"^{_POLITE}(?:delete|remove|cancel|drop|erase|trash|discard|scrap|scratch|kill|nuke"
        r"|ditch|bin)\s+(?P<ref>.+)$"
    ),
    _rx(
        rf"^{_POLITE}(?:get\s+rid\s+of|forget\s+about|throw\s+away|throw\s+out)\s+(?P<ref>.+?)"
        r"(?:\s+off\s+(?:my\s+|the\s+)?list)?$"
    ),
    _rx(  # "take X off my list"; "take the antibiotic at 7pm" is no delete
        rf"^{_POLITE}take\s+(?P<ref>.+?)\s+off\s+(?:my\s+|the\s+)?(?:list|tasks|to-?do\s+list)$"
    ),
    _rx(r"^(?:i\s+)?(?:no\s+longer|don'?t|do\s+not)\s+need\s+to\s+(?P<ref>.+?)(?:\s+anymore)?$"),
]


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
        if extract_datetime(body, now).found or find_recurrence(body) is not None:
            return _build_add(s, now, reminder=False)  # "finish the report by friday"
        if ref := clean_ref(body):
            return CompleteTask(ref=ref)
    return None


def _delete(s: str, now: datetime) -> Intent | None:
    for rx in _DELETE:
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


# ------------------------------------------------------------------------------- add
_REMIND_IN_ADD = _rx(
    rf"(?:,?\s*(?:and\s+)?(?:{_VERB_REMIND}|with\s+an?\s+(?:reminder|alert)|set\s+an?\s+"
    rf"(?:reminder|alert)|(?:reminder|alert))\s+(?P<dur>{DURATION_RE})\s+"
    r"(?:before|early|earlier|ahead|in\s+advance|beforehand|prior)(?:\s+it(?:'s\s+due)?)?)"
)
_REMIND_AT_IN_ADD = _rx(rf",?\s*(?:and\s+)?{_VERB_REMIND}(?P<when>(?:\s+(?:at|on|in)\b.*)?)$")
_DESC_IN_ADD = _rx(
    r"\s*(?:,|;|\.|\s-\s)?\s*\b(?:with\s+)?(?:description|notes?|details)\s*[:\-]\s*"
    r"(?P<d>.+)$"
)
_TITLE_LEAD = _rx(
    r"^(?:(?:me\s+)?(?:an?|one|the)\s+)?(?:new\s+)?(?:task|todo|to-do|reminder|item|note|entry)s?"
    r"(?:\s+(?:to|called|named|titled|for|that\s+says|saying|about|:|-)|\s*[:\-])\s*(?=\S)"
)
_TITLE_TRAIL = _rx(
    r"\s+(?:to|on|in)\s+(?:my\s+|the\s+)?(?:to-?do\s+|todo\s+|task\s+)?(?:list|tasks"
    r"|todos)$|\s+as\s+an?\s+(?:task|todo|to-do)$"
)


def _build_add(rest: str, now: datetime, *, reminder: bool) -> Intent | None:
    text = rest
    description: str | None = None
    m = _DESC_IN_ADD.search(text)
    if m:
        description = tidy(m.group("d"))
        text = text[: m.start()]
    before: int | None = None
    m = _REMIND_IN_ADD.search(text)
    if m:
        dm = re.match(DURATION_RE, m.group("dur"), _I)
        delta = duration_from_match(dm) if dm else None
        if delta is not None:
            before = duration_minutes(delta)
            text = text[: m.start()] + text[m.end() :]
    remind_when: str | None = None
    m = _REMIND_AT_IN_ADD.search(text)
    if m and m.start() > 0:
        reminder = True
        remind_when = m.group("when").strip() or None
        text = text[: m.start()]
    quoted = first_quoted(text)  # 'add "call mom tomorrow" on friday': the quote is the title
    spans: list[Span] = [quoted[1]] if quoted else []
    tags, tspans = extract_tags(mask(text, spans))
    spans += tspans
    priority, pspans = extract_priority(mask(text, spans).replace("\x00", " "))
    spans += pspans
    masked = mask(text, spans)
    spec = find_recurrence(masked, now)
    if spec is not None:
        spans += spec.spans
        masked = mask(text, spans)
    dp = extract_datetime(masked, now)
    spans += dp.spans
    title = remove_spans(text, spans)
    title = re.sub(r"^(?:that\s+)?(?:i\s+(?:need|have)\s+to\s+|to\s+)", "", tidy(title), flags=_I)
    title = _TITLE_TRAIL.sub("", _TITLE_LEAD.sub("", title))
    title = re.sub(r"^(?:to|that)\s+", "", tidy(title), flags=_I)
    title = tidy(title)
    list_name, title = list_target(title)
    hint: str | None = None
    if list_name is None and not quoted and (m := LIST_HINT.search(title)):
        hint, hinted_title = tidy(m.group("l")), tidy(title[: m.start()])
        if hint.lower() == "inbox" or conjoined_items(hinted_title, hint):
            list_name, title, hint = hint, hinted_title, None  # "add milk and eggs to groceries"
    if quoted:
        title = quoted[0]
    if not title:
        return None
    due = dp.when
    recurrence: str | None = None
    if spec is not None:
        recurrence = checked_rule(spec)
        # "every day at 9am Berlin time": the first occurrence is 9am on Berlin's clock
        local_now = now.astimezone(dp.zone) if dp.zone is not None else now
        due = first_occurrence(
            spec, local_now, at=dp.time_part or dp.soft_time, not_before=dp.date_part
        ).astimezone(now.tzinfo)
    reminder_at = None
    if remind_when:
        rp = extract_datetime(remind_when, now)
        reminder_at = rp.when
    elif reminder and due is not None and before is None:
        reminder_at = due
    task = AddTask(
        title=title,
        description=description,
        due_at=due,
        priority=priority,
        tags=tags,
        recurrence=recurrence,
        repeat_from_completion=spec is not None and spec.from_completion,
        list_name=list_name,
        list_hint=hint,
        reminder_at=reminder_at,
        reminder_before_minutes=before,
    )
    items = [] if quoted or reminder or description else conjoined_items(title, list_name)
    if len(items) > 1:
        return AddTasks(tasks=[task.model_copy(update={"title": item}) for item in items])
    return task


_REMIND_LIKE = _rx(
    r"^(?:please\s+)?(?:(?:don'?t|do\s+not|dont)\s+let\s+me\s+forget|make\s+sure\s+i"
    r"(?:\s+(?:remember|don'?t\s+forget))?|help\s+me\s+remember)\s+(?:to\s+|about\s+)?(?P<rest>.+)$"
)


def _starts_add(s: str) -> bool:
    return bool(
        _REMIND_PREFIX.match(s) or _REMIND_LIKE.match(s) or any(rx.match(s) for rx in _ADD_PREFIXES)
    )


# "add to my groceries list: milk, eggs": the list named before the items
_ADD_TO_LIST_FIRST = _rx(
    rf"^{_POLITE}(?:add|put)\s+(?P<where>(?:to|on|in|onto)\s+(?:my\s+|the\s+|our\s+)?[\w'&-]+"
    r"(?:\s+[\w'&-]+)?\s+(?:list|project))\s*[:\-]?\s+(?P<rest>.+)$"
)


def _add(s: str, now: datetime) -> Intent | None:
    m = _ADD_TO_LIST_FIRST.match(s)
    if m:
        return _build_add(f"{m.group('rest')} {m.group('where')}", now, reminder=False)
    m = _REMIND_PREFIX.match(s) or _REMIND_LIKE.match(s)
    if m:
        rest = re.sub(
            r"^(?:that\s+)?(?:i\s+(?:need|have|should|must)\s+to\s+)", "", m.group("rest"), flags=_I
        )
        return _build_add(rest, now, reminder=True)
    for rx in _ADD_PREFIXES:
        m = rx.match(s)
        if m:
            return _build_add(m.group("rest"), now, reminder=False)
    return None


def _fallback(s: str, now: datetime) -> Intent | None:
    """A bare statement with a date, repeat, #tag, priority or list ("call mom tomorrow at
    5", "call the bank #finance high priority", "eggs to my groceries list") is a new task."""
    if s.endswith("?") or re.match(r"^(?:what|when|where|why|how|who|is|are|do|does|can)\b", s, _I):
        return None
    marked = (
        find_recurrence(s) is not None
        or extract_datetime(s, now).found
        or extract_tags(s)[0]
        or extract_priority(s)[0] is not None
        or list_target(s)[0] is not None
    )
    return _build_add(s, now, reminder=False) if marked else None


_HANDLERS: tuple[Handler, ...] = (
    _confirm,
    _help,
    _timezone,
    _list,
    _remove_reminder,
    _add_reminder,
    _set_recurrence,
    _update,
    _add,
    _reopen,
    _complete,
    _delete,
    _fallback,
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


_QUESTION = _rx(
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
            built = _build_add(normalize(part), now, reminder=False)
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
        for handler in _HANDLERS:
            result = handler(s, now)
            if result is not None:
                return result
    except OverflowError as exc:  # date arithmetic beyond what datetime holds
        raise PhraseError(TOO_FAR) from exc
    return Unknown(text=text)
