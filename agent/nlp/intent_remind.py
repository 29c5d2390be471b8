"""Intent family "remind": add a reminder to a task, or remove its reminders."""

from __future__ import annotations

import re
from datetime import datetime

from agent.nlp.cues import POLITE, VERB_REMIND, pattern
from agent.nlp.dates import extract_datetime
from agent.nlp.decision import Rule
from agent.nlp.intents import AddReminder, Intent, RemoveReminder, Snooze
from agent.nlp.offsets import find_reminder_offset
from agent.nlp.refs import clean_ref
from agent.nlp.text import DURATION_RE, duration_from_match, duration_minutes, remove_spans, tidy

_I = re.IGNORECASE

_REMOVE_REMINDER = [
    pattern(
        rf"^{POLITE}(?:remove|delete|cancel|clear|turn\s+off|disable|drop|stop|kill|mute)\s+"
        r"(?:the\s+|my\s+|all\s+|any\s+)*(?:reminders?|alerts?|notifications?|alarms?)\s+"
        r"(?:for|on|from|of|about|to|in)\s+(?P<ref>.+)$"
    ),
    pattern(
        r"^(?:please\s+)?(?:don'?t|do\s+not|stop|no\s+need\s+to|no\s+longer)\s+"
        r"(?:remind|reminding|notify|notifying|alert|alerting)\s+me\s+(?:about|of|to|for)\s+"
        r"(?P<ref>.+)$"
    ),
    pattern(r"^(?:no|no\s+more)\s+(?:reminders?|alerts?)\s+(?:for|on|about)\s+(?P<ref>.+)$"),
    pattern(
        rf"^{POLITE}(?:remove|delete|clear|cancel|turn\s+off)\s+(?P<ref>.+?)(?:'s)?\s+"
        r"(?:reminders?|alerts?)$"
    ),
]
_BEFORE = r"(?:before|ahead\s+of|prior\s+to|earlier\s+than)"
_ADD_REMINDER_BEFORE = [
    pattern(
        rf"^{POLITE}{VERB_REMIND}\s+(?P<dur>{DURATION_RE})\s+{_BEFORE}\s+(?:the\s+)?(?P<ref>.+)$"
    ),
    pattern(
        rf"^{POLITE}(?:set|add|create|put)\s+(?:up\s+)?(?:a\s+|an\s+)?(?:reminder|alert)\s+"
        rf"(?:for\s+)?(?P<dur>{DURATION_RE})\s+{_BEFORE}\s+(?P<ref>.+)$"
    ),
    pattern(
        rf"^{POLITE}{VERB_REMIND}\s+(?:about|of|for)\s+(?P<ref>.+?)\s+(?P<dur>{DURATION_RE})\s+"
        r"(?:before|early|earlier|ahead|in\s+advance|beforehand|before\s+it(?:'s\s+due)?)$"
    ),
    pattern(
        rf"^{POLITE}(?:set|add|create|put)\s+(?:a\s+|an\s+)?(?:reminder|alert)\s+(?:for|on|to)\s+"
        rf"(?P<ref>.+?)\s+(?P<dur>{DURATION_RE})\s+(?:before|early|earlier|ahead|in\s+advance)$"
    ),
]
_ADD_REMINDER_AT = [
    pattern(rf"^{POLITE}{VERB_REMIND}\s+(?:about|of|regarding)\s+(?P<rest>.+)$"),
    pattern(rf"^{POLITE}{VERB_REMIND}\s+(?P<when>.+?)\s+(?:about|of|regarding)\s+(?P<ref>.+)$"),
    pattern(
        rf"^{POLITE}(?:set|add|create|put)\s+(?:up\s+)?(?:a\s+|an\s+)?(?:reminder|alert)\s+"
        r"(?:for|on)\s+(?P<rest>.+)$"
    ),
]


def _remove_reminder(s: str, now: datetime) -> Intent | None:
    for rx in _REMOVE_REMINDER:
        m = rx.match(s)
        if m and (ref := clean_ref(m.group("ref"))):
            return RemoveReminder(ref=ref)
    return None


_ABOUT_REST = pattern(
    rf"^{POLITE}(?:{VERB_REMIND}|(?:set|add|create|put)\s+(?:up\s+)?an?\s+(?:reminder|alert))\s+"
    r"(?:about|of|for|regarding|on)\s+(?P<rest>.+)$"
)


def _relative(s: str) -> Intent | None:
    """ "remind me about the dentist the day before": minutes before the task's due time."""
    m = _ABOUT_REST.match(s)
    found = find_reminder_offset(m.group("rest")) if m else None
    if m is None or found is None or found.at is not None:
        return None
    b = found.before
    if b.years or b.months:
        return None
    rest = m.group("rest")
    ref = clean_ref(rest[: found.span[0]] + rest[found.span[1] :])
    minutes = b.days * 1440 + b.hours * 60 + b.minutes
    return AddReminder(ref=ref, before_minutes=minutes) if ref and minutes > 0 else None


def _add_reminder(s: str, now: datetime) -> Intent | None:
    if relative := _relative(s):
        return relative
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


# "snooze call mom by an hour", "push the dentist back by 30 minutes", "snooze it for 2 days"
_SNOOZE = [
    pattern(
        rf"^{POLITE}(?:snooze|postpone|delay|defer|push(?:\s+back)?|bump|move|put\s+off|hold\s+off)"
        rf"\s+(?P<ref>.+?)\s+(?:back\s+|out\s+|off\s+|later\s+)?(?:by|for)\s+"
        rf"(?:another\s+|an\s+extra\s+|a\s+further\s+)?(?P<dur>{DURATION_RE})(?:\s+later)?$"
    ),
    pattern(
        rf"^{POLITE}(?:snooze|postpone|delay|push\s+back)\s+(?P<ref>.+?)\s+(?P<dur>{DURATION_RE})"
        r"(?:\s+later)?$"
    ),
    pattern(rf"^{POLITE}snooze\s+(?P<ref>.+)$"),
]
SNOOZE_MINUTES = 60  # "snooze it" without an amount


def _snooze(s: str, now: datetime) -> Intent | None:
    for rx in _SNOOZE:
        m = rx.match(s)
        if not m:
            continue
        minutes = SNOOZE_MINUTES
        if m.groupdict().get("dur"):
            dm = re.match(DURATION_RE, m.group("dur"), _I)
            delta = duration_from_match(dm) if dm else None
            if delta is None:
                continue
            minutes = duration_minutes(delta)
        ref = clean_ref(m.group("ref"))
        if ref and minutes > 0:
            return Snooze(ref=ref, minutes=minutes)
    return None


RULES = (
    Rule("remind.snooze", 0.79, _snooze),
    Rule("remind.remove", 0.78, _remove_reminder),
    Rule("remind.add", 0.76, _add_reminder),
)
