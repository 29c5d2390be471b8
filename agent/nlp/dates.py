"""Date/time phrase extraction.

Candidate phrases are found with explicit regexes (so words such as "me", "may" or
"march" inside a title are never taken for dates), relative phrases are resolved
here, and absolute calendar dates ("Dec 3", "12/03", "3rd of March") are validated
here too (no dateparser: the candidates are explicit, so reading them is direct).

Resolution rules (documented decisions):
- a date without a time of day gets 09:00 local (``DEFAULT_TIME``); "morning" 09:00,
  "afternoon" 15:00, "evening" 18:00, "tonight"/"night" 20:00, "end of day" 17:00;
  if that makes a *today* date already past, 23:59 today is used instead;
- a bare weekday ("friday", "by fri", "this friday") is the coming one; today counts only
  if the resulting time is still ahead, otherwise it is a week later. "next friday"
  is the coming friday too, but never today;
- a time without a date is today if still ahead, else tomorrow;
- "in N minutes/hours" is an exact instant (computed in UTC, so DST-safe);
  "in N days/weeks/months" is a date (default time applies);
- a bare hour without am/pm ("at 6") between 1 and 7 means pm, unless a part of the day
  says otherwise: "tomorrow night at 9" is 21:00, "friday evening at 6" 18:00, "monday
  morning at 7" 07:00, "at 7 in the morning" 07:00, "every sunday night at 9" 21:00; an "H:MM"
  without am/pm ("7:30") is moved to the evening only by such a word;
- clock times in words: "quarter past nine" 09:15, "half past 3" 15:30 (a bare hour),
  "ten to five pm" 16:50, "seven a m" 07:00, "noon" 12:00, "midnight" 23:59 of that day;
- "in N hours/minutes" is an instant even past midnight ("in 36 hours"); "in a fortnight"
  is 14 days; "a week from tomorrow", "two weeks from Monday" count from that day (a
  weekday base is the coming one, never today);
- numeric dates: a part above 12 is the day ("25/12", "12/25"); dotted dates are day first
  ("14.03.", "05.06.2027"; without the closing dot only after on/by/due/until or at the
  end); dashed dates need a year ("17-05-2027"); an ambiguous slash or dash date is month
  first in US (and a few other month-first) zones, day first everywhere else; ISO dates may
  carry a time ("2027-02-09 08:15", "2027-02-09T08:15");
- "Friday the 18th" is the next 18th that is a Friday; "the last Friday of next month",
  "first monday of january", "the last weekday of next month" are one-off dates;
- "tmw", "tmrw", "2moro", "tonite" are tomorrow/tonight; "tom" is tomorrow unless it is a
  person ("Tom", or right after call/email/with/...).

The words (weekdays, months, ordinals, clock numbers, parts of the day) come from vocab.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from agent.nlp.errors import TOO_FAR, PhraseError
from agent.nlp.text import (
    DURATION_RE,
    Span,
    duration_from_match,
    extend_left_over_connectors,
    mask,
    quoted_spans,
)
from agent.nlp.timezones import resolve_timezone
from agent.nlp.vocab import (
    ABBR_DAY_RE,
    CLOCK_NUMBER_RE,
    CLOCK_NUMBERS,
    DAY_DAYPART_RE,
    DAY_ORDINAL_WORD_RE,
    DAY_ORDINAL_WORDS,
    DAY_RE,
    DAYPART_ALIASES,
    DAYPART_PM,
    DAYPART_RE,
    DAYPART_TIMES,
    FULL_DAY_RE,
    MONTH_RE,
    MONTHS,
    ORDINAL_WORDS,
    WEEKDAYS,
)

__all__ = [
    "DAYPART_TIMES",
    "DEFAULT_TIME",
    "MONTH_RE",
    "WEEKDAYS",
    "DateParse",
    "extract_datetime",
    "localize",
]

DEFAULT_TIME = time(9, 0)
LAST_YEAR = 9000  # the task API refuses dates from then on (platform.inputs.LATEST)
END_OF_DAY = time(23, 59)
ORD_SUFFIX = r"(?:st|nd|rd|th)"
_DAYPART = rf"(?:{DAYPART_RE})"
# after a day word ("sat am", "tmrw arvo"); never followed by more letters or a dot-word
_DAY_PART = rf"(?:{DAY_DAYPART_RE})(?![\w])"
_NOT_TIME_AFTER = r"(?!\s*(?::\d|am\b|pm\b|a\.m|p\.m|o'?clock))"
_AMPM = r"(?:am|pm|a\.m\.?|p\.m\.?|a\s?m\b|p\s?m\b)"
# zones whose users write numeric dates month first (12/03 is December 3rd); everywhere
# else an ambiguous slash date is day first, and a dotted or dashed one is always day first
_MONTH_FIRST_ZONES = re.compile(
    r"^(?:America/(?:New_York|Chicago|Denver|Los_Angeles|Phoenix|Anchorage|Detroit|Boise"
    r"|Indiana/.*|Kentucky/.*|North_Dakota/.*|Juneau|Sitka|Nome|Adak|Menominee|Metlakatla"
    r"|Yakutat|Toronto|Vancouver|Edmonton|Winnipeg|Halifax|St_Johns|Regina)"
    r"|US/.*|Pacific/Honolulu|Asia/Manila|EST|MST|HST|EST5EDT|CST6CDT|MST7MDT|PST8PDT)$"
)

_I = re.IGNORECASE


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _I)


# --- date candidates (first matching category wins; order matters) -------------------
_OFFSET_RE = _rx(
    rf"\bin\s+(?:the\s+next\s+|about\s+|around\s+|roughly\s+)?{DURATION_RE}"
    r"(?:(?:'s|s'|')?\s+time\b)?"  # "in a fortnight's time", "in 3 days' time"
)
_FROM_NOW_RE = _rx(rf"\b{DURATION_RE}\s+from\s+(?:now|today)\b")
_TOMORROW = (
    r"tomorrow|tomorow|tommorow|tommorrow|tmrw|tmw|tmr|tmrow|2morrow|2moro|2morow|2mrw|tomoz"
)
_TONIGHT = r"tonight|tonite|2nite|2night|tonigh"
# "a week from tomorrow", "two weeks from Monday", "3 days after next friday"
_FROM_BASE_RE = _rx(
    rf"\b{DURATION_RE}\s+(?:from|after)\s+(?P<base>{_TOMORROW}|(?P<bmod>next|this|coming)\s+"
    rf"(?P<bday>{DAY_RE})|(?P<bday2>{DAY_RE}))\b\.?"
)
_ISO_RE = _rx(
    r"\b(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[tT]|\s+(?:at\s+)?)(\d{1,2}):(\d{2})(?::\d{2})?)?(?![\d\w])"
)
_NUMERIC_RE = _rx(
    r"(?<![\d/.:-])\b(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})"
    r"(?:(?P=sep)(?P<y>\d{4}|\d{2})\b|(?P<dot>\.))?(?![\d/:-]|\.\d)"
)
_DAY_WORD = rf"(?:\d{{1,2}}{ORD_SUFFIX}?|{DAY_ORDINAL_WORD_RE})"
_MONTH_DAY_RE = _rx(
    rf"\b(?P<mon>{MONTH_RE})\.?\s+(?:the\s+)?(?P<d>\d{{1,2}}{ORD_SUFFIX}?|{DAY_ORDINAL_WORD_RE})\b"
    rf"{_NOT_TIME_AFTER}(?:,?\s+(?P<y>\d{{4}})\b)?"
)
_DAY_MONTH_RE = _rx(
    rf"\b(?:the\s+)?(?P<d>{_DAY_WORD})\s+(?:of\s+|day\s+of\s+)?(?P<mon>{MONTH_RE})\b\.?"
    rf"(?:,?\s+(?P<y>\d{{4}})\b)?"
)
_RELDAY_RE = _rx(
    rf"\b(?:(?P<dat>(?:the\s+)?day\s+after\s+(?:{_TOMORROW}))|(?P<today>(?:later\s+)?today|2day)"
    rf"|(?P<tonight>{_TONIGHT})|(?P<tomorrow>{_TOMORROW}|tom))\b"
    rf"(?:\s+(?:at\s+|in\s+the\s+)?(?P<part>{_DAY_PART}))?"
)
# "call tom at 3" is a person: "tom" is tomorrow only when no verb or preposition that takes
# a person comes right before it, and never written "Tom"
_NAME_TAKERS = frozenset(
    {
        *("call", "ring", "phone", "email", "e-mail", "text", "message", "msg", "ask", "tell"),
        *("meet", "see", "visit", "with", "and", "for", "to", "from", "help", "pay", "thank"),
        *("invite", "remind", "ping", "pick", "collect", "drive", "take", "bring"),
    }
)
_THIS_PART_RE = _rx(rf"\bthis\s+(?P<part>{_DAYPART})\b")
# "monday next week", "next week on friday", "thursday of the week after next"
_WEEK_OF_RE = _rx(
    rf"\b(?:(?P<d1>{DAY_RE})\.?\s+(?:of\s+)?(?P<w1>next\s+week|the\s+week\s+after\s+next)"
    rf"|(?P<w2>next\s+week|the\s+week\s+after\s+next)\s*,?\s+(?:on\s+)?(?P<d2>{DAY_RE}))\b\.?"
)
# "friday after next": the coming friday and a week
_AFTER_NEXT_RE = _rx(rf"\b(?P<day>{FULL_DAY_RE}|{ABBR_DAY_RE})\.?\s+after\s+next\b")
# "the 5th of next month"
_DOM_OF_MONTH_RE = _rx(
    rf"\b(?:the\s+)?(?P<d>{_DAY_WORD})\s+(?:day\s+)?of\s+(?P<which>next|this|the)\s+month\b"
)
_NTH_WEEKDAY_RE = _rx(
    rf"\b(?:the\s+|on\s+the\s+)?(?P<o>{'|'.join(ORDINAL_WORDS)}|[1-5](?:st|nd|rd|th))\s+"
    rf"(?P<day>{DAY_RE}|weekday|business\s+day|working\s+day)\s+(?:of|in)\s+"
    rf"(?P<which>next\s+month|this\s+month|the\s+month|(?P<mon>{MONTH_RE})(?:\s+(?P<y>\d{{4}}))?)\b"
)
_WEEKDAY_RE = _rx(
    rf"\b(?:(?P<mod>this|next|coming|this\s+coming)\s+)?(?P<day>{FULL_DAY_RE})\b"
    rf"(?:\s*,?\s*(?:the\s+)?(?P<dom>\d{{1,2}}){ORD_SUFFIX}\b)?"
    rf"(?:\s+(?:in\s+the\s+)?(?P<part>{_DAY_PART}))?"
)
_ABBR_WEEKDAY_RE = _rx(
    rf"\b(?:(?P<mod>this|next|coming|on|by|due|until|till|before)\s+)(?P<day>{ABBR_DAY_RE})\b\.?"
    rf"(?:\s*,?\s*(?:the\s+)?(?P<dom>\d{{1,2}}){ORD_SUFFIX}\b)?"
    rf"(?:\s+(?P<part>{_DAY_PART}))?"
)
# a bare abbreviation ("wed 2pm", "gym tues", "sat morning", "fri at noon"): only with a time
# or a part of the day after it, or at the end of the message, and never after "the" ("the sun")
_BARE_ABBR_RE = _rx(
    rf"(?<!\bthe\s)(?<!\bi\s)\b(?P<mod>)(?P<day>{ABBR_DAY_RE})\b\.?(?P<dom>)"
    rf"(?:\s+(?P<part>{_DAY_PART})|(?=\s*(?:@|at\s+\d|\d{{1,2}}(?::\d\d)?\s*(?:am|pm|a\.m|p\.m)"
    rf"|\d{{1,2}}:\d\d|\d{{1,2}}\s*(?:[\x00,;.!?]|$)|(?:at\s+)?(?:noon|midday|midnight)\b"
    rf"|[\x00,;.!?]|$)))"
)
_NEXT_PERIOD_RE = _rx(
    r"\b(?P<which>(?:the\s+)?week\s+after\s+next|next\s+week|(?:this\s+)?coming\s+weekend|this\s+weekend|next\s+weekend|the\s+weekend|next\s+month"
    r"|end\s+of\s+(?:the\s+|this\s+)?week|end\s+of\s+(?:the\s+|this\s+)?month|eow|eom"
    r"|end\s+of\s+next\s+week|end\s+of\s+next\s+month|end\s+of\s+(?:the\s+|this\s+)?year"
    r"|(?:the\s+)?last\s+day\s+of\s+(?:the\s+|this\s+)?month|(?:the\s+)?last\s+day\s+of\s+next\s+month)\b"
)
# what may follow a date that has no "on"/"by" before it: the end, punctuation, a number
# (a time) or a connector, never a noun
_ENDS_PHRASE = _rx(
    r"[\s\x00]*(?:$|[,.;:!?(]|\d|(?:at|@|on|from|until|till|for|in|by|around|noon"
    r"|midday|morning|afternoon|evening|night)\b)"
)
_MONTHDAY_ONLY_RE = _rx(
    rf"\b(?:(?P<on>on|by|due|before|until|for)\s+)?the\s+(?:(?P<n>\d{{1,2}}){ORD_SUFFIX}"
    rf"|(?P<w>{DAY_ORDINAL_WORD_RE}))\b"
    rf"(?!\s+(?:of\s+)?(?:{MONTH_RE}|{DAY_RE}|week|month|year|time|floor|draft|day|place|row)\b)"
)

# --- time candidates -------------------------------------------------------------------
# a number followed by one of these is a quantity in the title ("swim for 2 km", "call 3 people
# at 5"), never a clock time or a duration
NON_TIME_UNIT_RE = (
    r"(?:k\b|km\b|kms\b|kilomet(?:er|re)s?\b|mi\b|miles?\b|laps?\b|pages?\b|reps?\b|sets?\b"
    r"|kgs?\b|kilos?\b|lbs?\b|pounds?\b|grams?\b|g\b|litres?\b|liters?\b|ml\b|cups?\b"
    r"|persons?\b|people\b|items?\b|pieces?\b|chapters?\b|words?\b|steps?\b|boxes\b"
    r"|bottles?\b|bags?\b|packs?\b|euros?\b|dollars?\b|bucks\b|percent\b|%)"
)
_TIME_AMPM_RE = _rx(rf"\b(\d{{1,2}})(?:[:.](\d{{2}}))?\s*({_AMPM})(?![a-z])")
_TIME_24_RE = _rx(r"(?<![\d:/.-])\b([01]?\d|2[0-3])[:h]([0-5]\d)\b(?![:\d])")
_TIME_AT_RE = _rx(
    r"(?:\b(?:at|around|by|for)|@)\s*(\d{1,2})(?:\s*o'?clock)?\b"
    r"(?!\s*(?:%|/|-|\.\d|st\b|nd\b|rd\b|th\b|minutes?|mins?|hours?|hrs?|days?|weeks?|people|pm|am"
    rf"|times|x\b|items|pieces|guests|of\b|{NON_TIME_UNIT_RE}))"
    r"|\b(\d{1,2})\s*(?:o'?clock|-?ish)\b"
)
# a bare hour right after a date ("tues 10", "tomorrow 5"): the last thing tried
_HOUR_AFTER_DATE = _rx(r"^[\s\x00]*(\d{1,2})\b(?!\s*(?:%|[/.:,-]\d|st\b|nd\b|rd\b|th\b|[a-z]))")
_HOUR_W = rf"(?:\d{{1,2}}|{CLOCK_NUMBER_RE})"
# "quarter past nine", "half past 3", "ten to five pm", "twenty after 6", "seven thirty am"
_CLOCK_WORDS_RE = _rx(
    rf"(?P<lead>\b(?:at|around|by|@)\s*)?\b(?:(?P<rel>(?:a\s+)?quarter|half|(?P<mins>\d{{1,2}}"
    rf"|{CLOCK_NUMBER_RE})(?:\s+minutes?)?)\s+(?P<dir>past|after|to|till|til|of)\s+(?P<h>{_HOUR_W})"
    rf"|half\s+(?P<h3>{_HOUR_W})(?!\s*(?:an?\b|hours?|hrs?|days?|weeks?))"  # "half nine": 9:30
    rf"|(?P<h2>{CLOCK_NUMBER_RE})(?:\s+(?P<m2>o'?clock|thirty|fifteen|forty[\s-]five"
    rf"|twenty|ten|oh\s+five|\d{{2}}))?)\b"
    rf"(?:\s*(?P<ap>{_AMPM})(?![a-z])|\s+(?P<pp>in\s+the\s+(?:morning|afternoon|evening)|at\s+night"
    rf"|tonight))?"
)
_TIME_WORD_RE = _rx(
    r"\b(?:at\s+)?(noon|midday|midnight|eod|end\s+of\s+(?:the\s+)?day|cob|lunchtime"
    r"|first\s+thing(?:\s+in\s+the\s+morning)?)\b|\bat\s+(lunch)\b"
)
_DAYPART_RE = _rx(
    r"\b(?:in\s+the\s+(?P<p1>morning|afternoon|evening)|at\s+(?P<p2>night)|(?P<p3>tonight))\b"
)


@dataclass
class DateParse:
    """Result of scanning a message for a date/time phrase."""

    when: datetime | None = None
    spans: list[Span] = field(default_factory=list)
    date_part: date | None = None
    time_part: time | None = None
    soft_time: time | None = None
    exact: bool = False
    zone: ZoneInfo | None = None  # named right after the time ("9am Berlin time")

    @property
    def found(self) -> bool:
        return bool(self.spans)


@dataclass
class _Scan:
    text: str
    extra_connectors: tuple[str, ...]
    spans: list[Span] = field(default_factory=list)

    def take(self, m: re.Match[str]) -> None:
        self.take_span(m.start(), m.end())

    def take_span(self, a: int, b: int) -> None:
        start = extend_left_over_connectors(self.text, a, self.extra_connectors)
        self.spans.append((start, b))
        self.text = self.text[:start] + "\x00" * (b - start) + self.text[b:]


def tz_name(now: datetime) -> str:
    key = getattr(now.tzinfo, "key", None)
    return key if isinstance(key, str) else "UTC"


def month_first(now: datetime) -> bool:
    """Whether an ambiguous numeric date (both parts <= 12, slashes or dashes) is month first
    for this user: in the US (and a few month-first zones), never elsewhere."""
    return bool(_MONTH_FIRST_ZONES.match(tz_name(now)))


def localize(naive: datetime, now: datetime) -> datetime:
    """Attach the user's zone to a local wall-clock time, normalising DST gaps."""
    aware = naive.replace(tzinfo=now.tzinfo)
    return aware.astimezone(UTC).astimezone(now.tzinfo)


def _next_on_or_after(month: int, day: int, today: date) -> date | None:
    for year in (today.year, today.year + 1, today.year + 4):
        try:
            d = date(year, month, day)
        except ValueError:
            continue
        if d >= today:
            return d
    return None


def _day_number(tok: str) -> int | None:
    t = " ".join(tok.lower().split())
    if t in DAY_ORDINAL_WORDS:
        return DAY_ORDINAL_WORDS[t]
    m = re.match(r"\d+", t)
    return int(m.group(0)) if m else None


def _dated(year: int | None, month: int, day: int, today: date) -> date | None:
    """That calendar date (the coming one when no year is given), or None if it is none."""
    if year is None:
        return _next_on_or_after(month, day, today)
    if year < 100:
        year += 2000
    if year >= LAST_YEAR:
        raise PhraseError(TOO_FAR)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _numeric_date(m: re.Match[str], now: datetime) -> date | None:
    a, b, sep = int(m.group("a")), int(m.group("b")), m.group("sep")
    year = int(m.group("y")) if m.group("y") else None
    if sep == "-" and year is None:
        return None  # "10-12": a range, not a date
    if sep == "." and year is None and not m.group("dot"):
        # "14.03" without its closing dot: a date only after a date word or at the very end
        # ("3.5 kg", "at 10.30" stay what they are)
        before = m.string[: m.start()].split()
        after = m.string[m.end() :].strip(" \x00")
        if not (
            (before and before[-1].lower() in ("on", "by", "due", "until", "till", "before", "am"))
            or not after
        ):
            return None
    if a > 12 or b > 12:
        day, month = (a, b) if a > 12 else (b, a)
    elif sep == "." or not month_first(now):
        day, month = a, b
    else:
        month, day = a, b
    return _dated(year, month, day, now.date())


def _hour_minute(hour: int, minute: int, ampm: str | None) -> time | None:
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


@dataclass
class _Time:
    at: time | None = None
    soft: time | None = None
    # "hour": an hour without am/pm ("at 6", "half past 3"): 1..7 is pm unless a part of the
    # day says otherwise; "clock": "7:30", moved to the evening only by a part of the day
    bare: str | None = None
    part: str | None = None


def _word_number(tok: str) -> int | None:
    t = " ".join(tok.lower().replace("-", " ").split())
    if t.isdigit():
        return int(t)
    return CLOCK_NUMBERS.get(t, CLOCK_NUMBERS.get(t.replace(" ", "-")))


_M2_WORDS = {"thirty": 30, "fifteen": 15, "forty five": 45, "twenty": 20, "ten": 10, "oh five": 5}


def _clock_words(scan: _Scan) -> _Time | None:
    for m in _CLOCK_WORDS_RE.finditer(scan.text):
        ap, pp = m.group("ap"), m.group("pp")
        if m.group("h3") is not None:
            if not (m.group("lead") or ap or pp):
                continue  # "half 3 cups": no time without "at"
            hour, minute = _word_number(m.group("h3")), 30
        elif m.group("h2") is not None:
            m2 = (m.group("m2") or "").lower()
            if not (m.group("lead") or ap or pp or "clock" in m2):
                continue  # "two people", "call five clients": no time without a marker
            hour = _word_number(m.group("h2"))
            said = 0 if not m2 or "clock" in m2 else _M2_WORDS.get(" ".join(m2.split()))
            minute = said if said is not None else int(m2) if m2.isdigit() else 0
        else:
            hour = _word_number(m.group("h"))
            rel = m.group("rel").lower()
            mins = (
                15 if "quarter" in rel else 30 if rel == "half" else _word_number(m.group("mins"))
            )
            if hour is None or mins is None or not 0 < mins < 60:
                continue
            minute = mins
            if m.group("dir").lower() in ("to", "till", "til", "of"):
                hour, minute = (hour - 1) % 12 or 12, 60 - mins
        if hour is None or not 0 <= hour <= 23 or not 0 <= minute <= 59:
            continue
        part = None
        if pp:
            part = "night" if "night" in pp.lower() else pp.split()[-1].lower()
        if ap:
            t = _hour_minute(hour, minute, ap)
            if t is None:
                continue
            scan.take(m)
            return _Time(at=t)
        scan.take(m)
        return _Time(at=time(hour, minute), bare="hour" if hour <= 12 else None, part=part)
    return None


def _find_time(scan: _Scan) -> _Time:
    found = _clock_words(scan)  # first: "quarter to 8 pm" is no "8 pm"
    if found is not None:
        return found
    m = _TIME_AMPM_RE.search(scan.text)
    if m:
        t = _hour_minute(int(m.group(1)), int(m.group(2) or 0), m.group(3).replace(" ", ""))
        if t is not None:
            scan.take(m)
            return _Time(at=t)
    m = _TIME_24_RE.search(scan.text)
    if m:
        scan.take(m)
        hour = int(m.group(1))
        # "7:30" may be moved to the evening by a part of the day; "07:30" or "19:30" never
        bare = "clock" if 1 <= hour <= 11 and len(m.group(1)) == 1 else None
        return _Time(at=time(hour, int(m.group(2))), bare=bare)
    m = _TIME_WORD_RE.search(scan.text)
    if m:
        word = (m.group(1) or m.group(2)).lower()
        scan.take(m)
        if word.startswith("first"):
            return _Time(at=DEFAULT_TIME)
        if word in ("noon", "midday", "lunchtime", "lunch"):
            return _Time(at=time(12, 0))
        if word == "midnight":
            return _Time(at=END_OF_DAY)
        return _Time(at=time(17, 0))
    m = _TIME_AT_RE.search(scan.text)
    if m:
        hour = int(m.group(1) or m.group(2))
        if 0 <= hour <= 23:
            scan.take(m)
            return _Time(at=time(hour, 0), bare="hour")
    m = _DAYPART_RE.search(scan.text)
    if m:
        scan.take(m)
        part = (m.group("p1") or m.group("p2") or m.group("p3")).lower()
        return _Time(soft=DAYPART_TIMES[part], part=part)
    return _Time()


_PART_BEFORE_TIME = _rx(r"\b(?P<part>morning|afternoon|evening|night)[\s\x00,]*$")


def _daypart_before_time(scan: _Scan) -> str | None:
    """A part of the day written right before the time ("every sunday night at 9", "morning
    at 7"); its word joins the time's span."""
    if not scan.spans:
        return None
    start = scan.spans[-1][0]
    m = _PART_BEFORE_TIME.search(scan.text[:start])
    if m is None:
        return None
    scan.take_span(m.start(), m.end())
    return m.group("part").lower()


def _daypart_after(scan: _Scan) -> str | None:
    """A part of the day named with a bare hour ("at 7 in the morning", "at 9 tonight")."""
    m = _DAYPART_RE.search(scan.text)
    if m is None:
        return None
    scan.take(m)
    return (m.group("p1") or m.group("p2") or m.group("p3")).lower()


def _fix_half(t: time, bare: str | None, part: str | None) -> time:
    """A bare hour: a part of the day says am or pm ("night at 9" is 21:00, "morning at 7"
    07:00); without one, 1..7 is pm ("at 6" is 18:00)."""
    if not bare:
        return t
    if part is not None:
        if DAYPART_PM.get(part) and t.hour < 12:
            return t.replace(hour=t.hour + 12)
        return t
    if bare == "hour" and 1 <= t.hour <= 7:
        return t.replace(hour=t.hour + 12)
    return t


@dataclass
class _DateSpec:
    day: date | None = None
    weekday: int | None = None
    never_today: bool = False
    soft_time: time | None = None
    offset: relativedelta | None = None
    part: str | None = None
    at: time | None = None  # a time written inside the date ("2027-02-09 08:15")


def _part_spec(part: str | None) -> tuple[time | None, str | None]:
    if not part:
        return None, None
    p = part.lower()
    p = DAYPART_ALIASES.get(p, p)
    return DAYPART_TIMES[p], p


def _coming_weekday(today: date, weekday: int, never_today: bool = True) -> date:
    delta = (weekday - today.weekday()) % 7
    if delta == 0 and never_today:
        delta = 7
    return today + timedelta(days=delta)


def _nth_weekday(m: re.Match[str], today: date) -> date | None:
    o = m.group("o").lower()
    n = ORDINAL_WORDS.get(o) or int(o[0])
    dayword = " ".join(m.group("day").lower().split())
    days = (
        {WEEKDAYS[dayword.rstrip(".")]}
        if dayword.rstrip(".") in WEEKDAYS
        else {0, 1, 2, 3, 4}  # weekday / business day
    )
    which = " ".join(m.group("which").lower().split())

    def pick(first: date) -> date | None:
        last = first + relativedelta(day=31)
        hits = [
            first + timedelta(days=i)
            for i in range((last - first).days + 1)
            if (first + timedelta(days=i)).weekday() in days
        ]
        if n == -1:
            return hits[-1]
        return hits[n - 1] if n <= len(hits) else None

    month_start = today.replace(day=1)
    if which == "next month":
        return pick(month_start + relativedelta(months=1))
    if which in ("this month", "the month"):
        d = pick(month_start)
        return d if d is not None and d >= today else pick(month_start + relativedelta(months=1))
    month = MONTHS[m.group("mon").lower()]
    if m.group("y"):
        return pick(date(int(m.group("y")), month, 1))
    for year in (today.year, today.year + 1):
        d = pick(date(year, month, 1))
        if d is not None and d >= today:
            return d
    return None


def _is_person_tom(scan: _Scan, m: re.Match[str], original: str) -> bool:
    if m.group("tomorrow") is None or m.group("tomorrow").lower() != "tom":
        return False
    if original[m.start("tomorrow")] == "T":
        return True
    before = scan.text[: m.start()].split()
    return bool(before) and before[-1].lower() in _NAME_TAKERS


def _find_date(scan: _Scan, now: datetime, original: str) -> _DateSpec | None:
    today = now.date()
    m = _FROM_BASE_RE.search(scan.text)
    if m:
        delta = duration_from_match(m)
        if delta is not None:
            scan.take(m)
            if m.group("bday") or m.group("bday2"):
                day = WEEKDAYS[(m.group("bday") or m.group("bday2")).lower()]
                base = _coming_weekday(today, day, never_today=True)
            else:
                base = today + timedelta(days=1)
            return _DateSpec(day=_shifted(base, delta))
    m = _OFFSET_RE.search(scan.text) or _FROM_NOW_RE.search(scan.text)
    if m:
        delta = duration_from_match(m)
        if delta is not None:
            scan.take(m)
            unit = (m.group("unit") or m.group("short") or "").lower()
            by_clock = unit.startswith(("h", "mi")) or unit == "m" or "hour" in m.group(0).lower()
            if by_clock or not (delta.days or delta.months or delta.years):
                return _DateSpec(offset=delta)  # "in 36 hours" is an instant, not a date
            return _DateSpec(day=_shifted(today, delta))
    m = _ISO_RE.search(scan.text)
    if m:
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            d = None
        if d is not None:
            if d.year >= LAST_YEAR:
                raise PhraseError(TOO_FAR)
            at = None
            if m.group(4) is not None:
                at = _hour_minute(int(m.group(4)), int(m.group(5)), None)
            scan.take(m)
            return _DateSpec(day=d, at=at)
    m = _WEEK_OF_RE.search(scan.text)
    if m:
        scan.take(m)
        weeks = 2 if "after" in (m.group("w1") or m.group("w2")).lower() else 1
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)
        wd = WEEKDAYS[(m.group("d1") or m.group("d2")).lower()]
        return _DateSpec(day=monday + timedelta(days=wd))
    m = _AFTER_NEXT_RE.search(scan.text)
    if m:
        scan.take(m)
        wd = WEEKDAYS[m.group("day").lower()]
        return _DateSpec(day=_coming_weekday(today, wd, never_today=True) + timedelta(days=7))
    m = _DOM_OF_MONTH_RE.search(scan.text)
    if m and (dom := _day_number(m.group("d"))) is not None:
        months = 1 if m.group("which").lower() == "next" else 0
        first = today.replace(day=1) + relativedelta(months=months)
        if months == 0 and dom < today.day:
            first += relativedelta(months=1)
        try:
            d = first.replace(day=dom)
        except ValueError:
            d = None
        if d is not None:
            scan.take(m)
            return _DateSpec(day=d)
    m = _NTH_WEEKDAY_RE.search(scan.text)
    if m:
        d = _nth_weekday(m, today)
        if d is not None:
            scan.take(m)
            return _DateSpec(day=d)
    for rx in (_MONTH_DAY_RE, _DAY_MONTH_RE):
        for m in rx.finditer(scan.text):
            dom = _day_number(m.group("d"))
            if dom is None:
                continue
            y = int(m.group("y")) if m.group("y") else None
            d = _dated(y, MONTHS[m.group("mon").lower()], dom, today)
            if d is not None:
                scan.take(m)
                return _DateSpec(day=d)
    m = _NUMERIC_RE.search(scan.text)
    if m and not re.match(r"\s+of\b", scan.text[m.end() :], _I):  # "3/4 of the report"
        d = _numeric_date(m, now)
        if d is not None:
            scan.take(m)
            return _DateSpec(day=d)
    for m in _RELDAY_RE.finditer(scan.text):
        if _is_person_tom(scan, m, original):
            continue
        scan.take(m)
        soft, part = _part_spec(m.group("part"))
        if m.group("dat"):
            return _DateSpec(day=today + timedelta(days=2), soft_time=soft, part=part)
        if m.group("tomorrow"):
            return _DateSpec(day=today + timedelta(days=1), soft_time=soft, part=part)
        if m.group("tonight"):
            return _DateSpec(day=today, soft_time=DAYPART_TIMES["tonight"], part="tonight")
        return _DateSpec(day=today, soft_time=soft, part=part)
    m = _THIS_PART_RE.search(scan.text)
    if m:
        scan.take(m)
        soft, part = _part_spec(m.group("part"))
        return _DateSpec(day=today, soft_time=soft, part=part)
    for rx in (_WEEKDAY_RE, _ABBR_WEEKDAY_RE, _BARE_ABBR_RE):
        m = rx.search(scan.text)
        if m:
            scan.take(m)
            mod = (m.group("mod") or "").lower()
            soft, part = _part_spec(m.group("part"))
            weekday = WEEKDAYS[m.group("day").lower().rstrip(".")]
            if m.group("dom"):  # "Friday the 18th": the next 18th that is a Friday
                dom = int(m.group("dom"))
                for k in range(0, 28):
                    first = today.replace(day=1) + relativedelta(months=k)
                    try:
                        cand = first.replace(day=dom)
                    except ValueError:
                        continue
                    if cand >= today and cand.weekday() == weekday:
                        return _DateSpec(day=cand, soft_time=soft, part=part)
            return _DateSpec(weekday=weekday, never_today=mod == "next", soft_time=soft, part=part)
    m = _NEXT_PERIOD_RE.search(scan.text)
    if m:
        scan.take(m)
        which = re.sub(r"\s+", " ", m.group("which").lower()).replace("the ", "")
        which = which.replace("this ", "")
        if which == "week after next":
            return _DateSpec(day=today + timedelta(days=14 - today.weekday()))
        if which == "next week":
            return _DateSpec(day=today + timedelta(days=7 - today.weekday()))
        if which in ("weekend", "coming weekend"):
            return _DateSpec(weekday=5)
        if which == "next weekend":
            return _DateSpec(day=today + timedelta(days=(5 - today.weekday()) % 7 + 7))
        if which == "next month":
            return _DateSpec(day=(today + relativedelta(months=1)).replace(day=1))
        if which == "end of next week":
            return _DateSpec(day=_coming_weekday(today, 4, never_today=False) + timedelta(7))
        if which in ("end of week", "eow"):
            return _DateSpec(weekday=4, soft_time=time(17, 0))
        if which.startswith("last day of"):  # "by the last day of the month": that day
            months = 1 if "next" in which else 0
            return _DateSpec(day=today + relativedelta(months=months, day=31))
        if which == "end of next month":
            return _DateSpec(day=today + relativedelta(months=1, day=31), soft_time=time(17, 0))
        if which == "end of year":
            return _DateSpec(day=date(today.year, 12, 31), soft_time=time(17, 0))
        return _DateSpec(day=today + relativedelta(day=31), soft_time=time(17, 0))
    for m in _MONTHDAY_ONLY_RE.finditer(scan.text):
        if not m.group("on") and (m.group("w") or not _ENDS_PHRASE.match(scan.text[m.end() :])):
            continue  # "the first draft", "the 2nd chapter": an ordinal before a noun is no date
        dom = _day_number(m.group("n") or m.group("w"))
        if dom is None or not 1 <= dom <= 31:
            continue
        for k in range(0, 3):
            cand = today + relativedelta(months=k)
            try:
                d = cand.replace(day=dom)
            except ValueError:
                continue
            if d >= today:
                scan.take(m)
                return _DateSpec(day=d)
    return None


def _shifted(day: date, delta: relativedelta) -> date:
    """``day`` + ``delta``, or the user's error when that leaves the calendar."""
    try:
        moved = day + delta
    except (OverflowError, ValueError) as exc:  # "in 99999999999 days", "in 8000 years"
        raise PhraseError(TOO_FAR) from exc
    if moved.year >= LAST_YEAR:
        raise PhraseError(TOO_FAR)
    return moved


def _resolve(spec: _DateSpec | None, t: time | None, soft: time | None, now: datetime) -> datetime:
    if spec is not None and spec.offset is not None:
        try:
            return (now.astimezone(UTC) + spec.offset).astimezone(now.tzinfo)
        except (OverflowError, ValueError) as exc:
            raise PhraseError(TOO_FAR) from exc
    today = now.date()
    if spec is None:  # time only
        assert t is not None or soft is not None
        tod = t or soft or DEFAULT_TIME
        cand = localize(datetime.combine(today, tod), now)
        if cand <= now:
            cand = localize(datetime.combine(today + timedelta(days=1), tod), now)
        return cand
    tod = t or spec.soft_time or soft or DEFAULT_TIME
    if spec.weekday is not None:
        delta = (spec.weekday - today.weekday()) % 7
        if delta == 0 and (spec.never_today or localize(datetime.combine(today, tod), now) <= now):
            delta = 7
        day = today + timedelta(days=delta)
    else:
        assert spec.day is not None
        day = spec.day
    result = localize(datetime.combine(day, tod), now)
    if t is None and day == today and result <= now:
        result = localize(datetime.combine(day, END_OF_DAY), now)
    return result


_ZONE_AFTER = _rx(
    r"^\s*(?:(?P<abbr>utc|gmt|[a-z]{1,3}t)\b(?!\s+time\b)"
    r"|(?:in\s+|on\s+)?(?P<place>[a-z][a-z .'-]{0,30}?)\s+time\b)"
)


def _zone_after_time(scan: _Scan) -> ZoneInfo | None:
    """A time zone named right after the time ("5pm EST", "9am London time"); its words join
    the time's span."""
    time_end = scan.spans[-1][1]
    m = _ZONE_AFTER.match(scan.text[time_end:])
    if m is None:
        return None
    key = resolve_timezone(m.group("abbr") or m.group("place"))
    if key is None:
        return None
    scan.spans[-1] = (scan.spans[-1][0], time_end + m.end())
    return ZoneInfo(key)


def extract_datetime(
    text: str, now: datetime, *, extra_connectors: tuple[str, ...] = ()
) -> DateParse:
    """Find the first date and time phrase in ``text`` and resolve it against ``now``.

    ``text`` may contain NUL characters (already-consumed spans); offsets of the returned
    spans refer to ``text``.
    """
    scan = _Scan(mask(text, quoted_spans(text)), extra_connectors)
    spec = _find_date(scan, now, text)
    found = _Time() if spec is not None and spec.offset is not None else _find_time(scan)
    if spec is not None and spec.at is not None and found.at is None:
        found = _Time(at=spec.at)
    t, soft = found.at, found.soft
    if t is None and soft is None and spec is not None and spec.offset is None and scan.spans:
        m = _HOUR_AFTER_DATE.match(scan.text[scan.spans[-1][1] :])
        if m and 1 <= int(m.group(1)) <= 12:
            base = scan.spans[-1][1]
            scan.take_span(base + m.start(1), base + m.end(1))
            found = _Time(at=time(int(m.group(1)), 0), bare="hour")
            t = found.at
    before = _daypart_before_time(scan) if t is not None and spec is None else None
    if t is not None and found.bare:
        part = found.part or (spec.part if spec is not None else None) or before
        if part is None:
            part = _daypart_after(scan)
        t = _fix_half(t, found.bare, part)
    if spec is None and t is None and soft is None:
        return DateParse()
    zone = _zone_after_time(scan) if t is not None else None
    if zone is not None:  # "at 5pm EST", "9am London time": that zone's wall clock
        when = _resolve(spec, t, soft, now.astimezone(zone)).astimezone(now.tzinfo)
    else:
        when = _resolve(spec, t, soft, now)
    return DateParse(
        when=when,
        spans=scan.spans,
        # the resolved day of any date phrase, a weekday too ("starting on monday")
        date_part=when.date() if spec is not None and spec.offset is None else None,
        time_part=t,
        soft_time=soft or (spec.soft_time if spec else None),
        exact=spec is not None and spec.offset is not None,
        zone=zone,
    )
