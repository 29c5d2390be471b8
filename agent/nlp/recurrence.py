"""Recurrence phrases -> RFC 5545 RRULE values, and the first occurrence after now.

The RRULE carries no DTSTART and no BYHOUR: the time of day lives in the task's
``due_at``, which is always the first occurrence strictly after ``now``. Occurrences are
computed on naive local wall-clock times and then localised, so "9am" stays 9am across
DST changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

from agent.nlp.dates import DEFAULT_TIME, extract_datetime, localize
from agent.nlp.errors import TOO_FAR, PhraseError
from agent.nlp.text import NUMBER_WORDS, Span, mask, quoted_spans
from agent.nlp.vocab import DAY_RE, DAYPART_TIMES, MONTH_RE, MONTHS, ORDINAL_WORDS, WEEKDAYS
from backend_services.kernel.rrule import HORIZON_YEARS, RecurrenceError, validate_rrule

_I = re.IGNORECASE
_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY = rf"(?:{DAY_RE})"
_DAY_S = rf"{_DAY}s?\.?"
_DAYLIST = rf"{_DAY_S}(?:(?:\s*(?:,\s*and|,|and|&|\+|/|or)\s*|\s+){_DAY_S})*"
_PLURAL_DAY = r"(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)"
_PLURAL_DAYLIST = rf"{_PLURAL_DAY}(?:\s*(?:,\s*and|,|and|&|\+|/|or)\s*{_PLURAL_DAY})*"
_ORDWORDS = ORDINAL_WORDS
_ORD = r"(?:\d{1,2}(?:st|nd|rd|th)?|first|second|third|fourth|fifth|last)"
# an ordinal that cannot be a count ("every 3rd friday", never "every 3 fridays")
_ORD_WORD = r"(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth|last)"
_INTERVAL_WORDS = "|".join(w for w in NUMBER_WORDS if " " not in w and w not in ("a", "an"))
_INTERVAL = rf"(?:other|\d+|{_INTERVAL_WORDS})"
# "every 2nd week", "every third month": an ordinal before a unit is an interval
_NTH_INTERVAL = r"(?:\d+(?:st|nd|rd|th)|second|third|fourth|fifth|sixth)"
_UNIT = r"(?:day|week|month|year|hour)s?"
_MONTHS = MONTHS
_MDAY = rf"(?P<mon>{MONTH_RE})\.?\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)"
_DMON = rf"(?:the\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon2>{MONTH_RE})\b"


@dataclass
class RecurrenceSpec:
    freq: str
    interval: int = 1
    byday: list[str] = field(default_factory=list)
    bymonthday: int | None = None
    bymonth: int | None = None
    # several days of the month ("on the 1st and 15th"); bymonthday stays the single one
    monthdays: list[int] = field(default_factory=list)
    bysetpos: int | None = None  # "the last weekday of the month": BYDAY=MO..FR;BYSETPOS=-1
    default_time: time | None = None
    span: Span = (0, 0)
    # how the series ends ("until March 1", "for 5 times") and whether it counts from completion
    until: date | None = None
    count: int | None = None
    from_completion: bool = False
    extra_spans: list[Span] = field(default_factory=list)

    @property
    def spans(self) -> list[Span]:
        return [self.span, *self.extra_spans]

    def rrule(self) -> str:
        parts = [f"FREQ={self.freq}"]
        if self.interval > 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.bymonth is not None:
            parts.append(f"BYMONTH={self.bymonth}")
        if self.bymonthday is not None:
            parts.append(f"BYMONTHDAY={self.bymonthday}")
        elif self.monthdays:
            parts.append("BYMONTHDAY=" + ",".join(str(d) for d in self.monthdays))
        if self.byday:
            parts.append("BYDAY=" + ",".join(self.byday))
        if self.bysetpos is not None:
            parts.append(f"BYSETPOS={self.bysetpos}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.until is not None:  # floating local time, like the rest of the rule
            parts.append(f"UNTIL={self.until:%Y%m%d}T235959")
        return ";".join(parts)


def _days(text: str) -> list[str]:
    found: list[int] = []
    for tok in re.findall(_DAY, text, flags=_I):
        idx = WEEKDAYS[tok.lower().rstrip(".")]
        if idx not in found:
            found.append(idx)
    return [_CODES[i] for i in sorted(found)]


def _ordinal(tok: str) -> int | None:
    t = tok.lower()
    if t in _ORDWORDS:
        return _ORDWORDS[t]
    m = re.match(r"\d+", t)
    if m and 1 <= int(m.group(0)) <= 31:
        return int(m.group(0))
    return None


def _interval(tok: str | None) -> int:
    if not tok:
        return 1
    t = tok.lower()
    if t == "other":
        return 2
    t = re.sub(r"^(\d+)(?:st|nd|rd|th)$", r"\1", t)
    if t.isdigit():
        return max(1, int(t))
    if t in _ORDWORDS:
        return max(1, _ORDWORDS[t])
    return NUMBER_WORDS.get(t, 1)


def _month(tok: str) -> int:
    return _MONTHS[tok.lower().rstrip(".")]


def _rx(p: str) -> re.Pattern[str]:
    return re.compile(p, _I)


_MONTHLY_DOM = [
    _rx(rf"\b(?:on\s+)?(?:the\s+)?(?P<o>{_ORD})(?:\s+day)?\s+(?:of\s+)?(?:every|each)\s+month\b"),
    _rx(rf"\b(?:every|each)\s+month\s+on\s+the\s+(?P<o>{_ORD})(?:\s+day)?\b"),
    _rx(rf"\bmonthly\s+on\s+the\s+(?P<o>{_ORD})(?:\s+day)?\b"),
    _rx(rf"\b(?:on\s+)?the\s+(?P<o>{_ORD})(?:\s+day)?\s+monthly\b"),
    _rx(rf"\b(?:every|each)\s+(?P<o>{_ORD})\s+(?:day\s+)?of\s+(?:the|every|each)\s+month\b"),
]
_MONTHLY_NTH_DAY = [
    _rx(
        rf"\b(?:(?:every|each|on\s+the|the)\s+)?(?P<o>first|second|third|fourth|fifth|last|1st|2nd"
        rf"|3rd|4th|5th)\s+(?P<day>{_DAY})\s+(?:of|in)\s+(?:every|each|the|a)\s+month\b"
    ),
    # Todoist: "every 3rd friday" is the third Friday of every month
    _rx(
        rf"\b(?:every|each)\s+(?P<o>first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)"
        rf"\s+(?P<day>{_DAY})\b(?:\s+of\s+(?:every|each|the)\s+month\b)?"
    ),
]
_EVERY_NTH_MONTHDAY = _rx(
    rf"\b(?:every|each)\s+(?:the\s+)?(?P<o>{_ORD_WORD})(?:\s+day\b|(?!\s+(?:{_UNIT}|{_DAY}"
    r"|weekday|weekend|workday|work\s+day|business\s+day|time)\b))"
    rf"(?!\s+(?:day\s+)?of\s+(?:{MONTH_RE})\b)"  # "every 14th of february" is yearly
    r"(?:\s+of\s+(?:every|each|the)\s+month\b)?"
)
# a time right after a part of the day ("every sunday night at 9"): the part word is left
# for the date reader, which reads "night at 9" as 21:00
_TIME_NEXT = _rx(r"^[\s,]*(?:(?:at|@|around)\s*\d|\d{1,2}(?::\d\d)?\s*(?:am|pm|a\.m|p\.m))")
_EVERY_N_DAYS_OF_WEEK = _rx(
    rf"\b(?:every|each)\s+(?P<n>other|\d+|{_INTERVAL_WORDS})\s+(?P<days>{_DAYLIST})\b"
    r"(?:\s+(?:in\s+the\s+)?(?P<part>morning|afternoon|evening|night))?"
)
# several ordinals in one rule: "every 2nd and 4th thursday", "on the 1st and 15th"
_ORD_LIST = rf"{_ORD_WORD}(?:\s*(?:,\s*and|,|and|&|\+|/)\s*(?:the\s+)?{_ORD_WORD})+"
_MULTI_NTH_DAY = _rx(
    rf"\b(?:(?:every|each|on)\s+)?(?:the\s+)?(?P<os>{_ORD_LIST})\s+(?P<day>{_DAY})s?\b\.?"
    r"(?:\s+(?:of|in)\s+(?:every|each|the|a)\s+month\b|\s+monthly\b)?"
)
_MULTI_MONTHDAY = _rx(
    rf"\b(?:(?:every|each)\s+(?:(?P<n>other|\d+|{_INTERVAL_WORDS})\s+)?months?\s+on\s+"
    rf"|monthly\s+on\s+|(?:every|each|on)\s+)?(?:the\s+)?(?P<os>{_ORD_LIST})(?:\s+days?)?\b"
    rf"(?!\s+(?:of\s+)?(?:{_DAY}|{_UNIT}|{MONTH_RE}|weekday)\b)"
    r"(?:\s+(?:day\s+)?(?:of\s+)?(?:every|each|the|a)\s+month\b|\s+monthly\b)?"
    r"(?=[\s\x00]*(?:$|[,.;:!?(]|\d|(?:at|@|on|from|starting|until|till|for|in|and|by|around)\b))"
)
_NTH_PAIR = rf"(?:the\s+)?{_ORD_WORD}\s+{_DAY}"
# "monthly on the first Monday and the last Monday", "every 2 months on the 3rd friday"
_MONTHLY_ON_NTH = _rx(
    rf"\b(?:monthly|(?:every|each)\s+(?:(?P<n>other|\d+|{_INTERVAL_WORDS})\s+)?months?)\s+on\s+"
    rf"(?P<list>{_NTH_PAIR}(?:\s*(?:,\s*and|,|and|&)\s*{_NTH_PAIR})*)\b"
)
_WORKDAY_WORD = r"(?:weekday|work\s*day|working\s+day|business\s+day)"
_SETPOS_WEEKDAY = [
    _rx(
        rf"\b(?:(?:every|each|on)\s+)?(?:the\s+)?(?P<o>{_ORD_WORD})\s+{_WORKDAY_WORD}\s+(?:of|in)"
        r"\s+(?:every|each|the|a)\s+month\b"
    ),
    _rx(
        rf"\b(?:monthly|(?:every|each)\s+month)\s+on\s+the\s+(?P<o>{_ORD_WORD})\s+{_WORKDAY_WORD}\b"
    ),
    _rx(rf"\b(?:every|each)\s+(?P<o>{_ORD_WORD})\s+{_WORKDAY_WORD}\b"),
]
# "twice a week, mon and thu", "3 times a week on mon, wed, fri": the days make the rule
_TIMES_A_WEEK_DAYS = _rx(
    rf"\b(?:twice|thrice|(?:\d|two|three|four|five|six)\s+times)\s+(?:a|per|each|every)\s+week"
    rf"\s*[,:;\-(]?\s*(?:on\s+|:\s*)?(?P<days>{_DAYLIST})\)?"
)
# "mon/wed/fri": a slash list of days is a weekly rule; so is a list of three days or more
_SLASH_DAYS = _rx(rf"\b(?:(?:on|every|each)\s+)?(?P<days>{_DAY}\.?(?:\s*/\s*{_DAY}\.?)+)(?![\w/])")
_LONG_DAYLIST = _rx(
    rf"\b(?:(?:on|every|each)\s+)?(?P<days>{_DAY_S}\s*,\s*{_DAY_S}(?:\s*,\s*{_DAY_S})*\s*(?:,\s*)?"
    rf"(?:and|&)\s*{_DAY_S})(?![\w])"
)
_AFTER_UNIT = _rx(r"\b(?:weeks?|weekly|fortnightly|biweekly|daily|day)\s*(?:on\s*)?$")
_DAYS_BEFORE = _rx(rf"\b(?:on\s+)?(?P<days>{_DAYLIST})\b")
# "quarterly" is the rule only where no noun follows ("file taxes quarterly", never
# "quarterly taxes")
_QUARTERLY = _rx(
    r"\b(?:(?:every|each)\s+quarter|quarterly(?=\s*(?:$|[\x00,.;:!?]|(?:on|at|from|starting"
    r"|until|till|in|by|for|and|@)\b)))\b"
)
_YEARLY_DATE = [
    _rx(rf"\b(?:every|each)\s+year\s+on\s+(?:{_MDAY}|{_DMON})"),
    _rx(rf"\b(?:yearly|annually)\s+on\s+(?:{_MDAY}|{_DMON})"),
    _rx(rf"\b(?:on\s+)?(?:{_MDAY}|{_DMON})\s+(?:every|each)\s+year\b"),
    _rx(rf"\b(?:every|each)\s+(?:{_MDAY}|{_DMON})"),
]
_INTERVAL_RE = _rx(
    rf"\b(?:every|each)\s+(?P<n>{_INTERVAL}|{_NTH_INTERVAL})\s+(?P<unit>{_UNIT})\b"
    rf"(?:\s+on\s+(?P<days>{_DAYLIST})|\s+on\s+the\s+(?P<o>{_ORD})\b)?"
)
_TWICE_A_DAY_RE = _rx(r"\btwice\s+(?:a|per|each|every)\s+day\b|\btwice\s+daily\b")
_WORKDAY = r"(?:weekday|workday|work\s+day|working\s+day|business\s+day)"
_EVERY_UNIT_RE = _rx(
    rf"\b(?:every|each)\s+(?:single\s+)?(?P<unit>day|week|month|year|hour|{_WORKDAY}"
    rf"|weekend(?:\s+day)?|morning"
    rf"|afternoon|evening|night)\b(?:\s+on\s+(?P<days>{_DAYLIST})|\s+on\s+the\s+(?P<o>{_ORD})\b)?"
    r"(?:\s+(?:in\s+the\s+)?(?P<part>morning|afternoon|evening|night))?"
)
# "Mon-Fri", "every monday to friday", "monday through thursday": a range of weekdays
_DAY_RANGE_RE = _rx(
    rf"\b(?:(?:every|each|on)\s+)?(?P<a>{_DAY})\.?\s*(?:-|\u2013|to|through|thru|till|until)\s*"
    rf"(?P<b>{_DAY})\b\.?"
)
_EVERY_DAYS_RE = _rx(
    rf"\b(?:every|each)\s+(?P<days>{_DAYLIST})\b"
    r"(?:\s+(?:in\s+the\s+)?(?P<part>morning|afternoon|evening|night))?"
)
_ADVERB_RE = _rx(
    rf"\b(?P<adv>daily|everyday(?=[\s\x00]*(?:$|[,.;:!?]|\d|(?:at|@|in|from|starting|until|for"
    rf"|around|by|morning|afternoon|evening|night)\b))|weekly|monthly|yearly|annually|hourly|fortnightly|biweekly|nightly)\b"
    rf"(?:\s+on\s+(?P<days>{_DAYLIST})|\s+on\s+the\s+(?P<o>{_ORD})\b)?"
)
_WEEKDAYS_PLURAL_RE = _rx(
    r"\b(?:on\s+|every\s+)?(?P<w>weekdays|weekends|workdays|work\s+days|working\s+days"
    r"|business\s+days)\b"
)
_PLURAL_DAYS_RE = _rx(rf"\b(?:on\s+)?(?P<days>{_PLURAL_DAYLIST})\b")

_UNIT_FREQ = {
    "day": "DAILY",
    "week": "WEEKLY",
    "month": "MONTHLY",
    "year": "YEARLY",
    "hour": "HOURLY",
}
_ADV_FREQ = {
    "daily": "DAILY",
    "everyday": "DAILY",
    "nightly": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "yearly": "YEARLY",
    "annually": "YEARLY",
    "hourly": "HOURLY",
}


def _with_on(spec: RecurrenceSpec, m: re.Match[str]) -> RecurrenceSpec:
    groups = m.groupdict()
    if groups.get("days"):
        days = _days(groups["days"])
        if spec.freq in ("DAILY", "WEEKLY"):
            spec.freq = "WEEKLY"
            spec.byday = days
    if groups.get("o"):
        o = _ordinal(groups["o"])
        if o is not None:
            spec.freq = "MONTHLY"
            spec.bymonthday = o
    return spec


def _ordinals(text: str) -> list[int]:
    found: list[int] = []
    for tok in re.findall(_ORD_WORD, text, flags=_I):
        o = _ordinal(tok)
        if o is not None and o not in found:
            found.append(o)
    return found


def _match_multi(text: str) -> tuple[RecurrenceSpec, re.Match[str]] | None:
    """Rules with several days in one phrase, and the nth weekday of the month."""
    m = _MONTHLY_ON_NTH.search(text)
    if m:
        pairs = re.findall(rf"({_ORD_WORD})\s+({_DAY})", m.group("list"), flags=_I)
        byday = [f"{_ordinal(o)}{_days(d)[0]}" for o, d in pairs]
        if all(_ordinal(o) is not None for o, _ in pairs):
            return RecurrenceSpec("MONTHLY", interval=_interval(m.group("n")), byday=byday), m
    m = _MULTI_NTH_DAY.search(text)
    if m:
        ords = _ordinals(m.group("os"))
        code = _days(m.group("day"))[0]
        if ords and all(-1 <= o <= 5 and o != 0 for o in ords):
            ords = sorted(ords, key=lambda o: 99 if o < 0 else o)
            return RecurrenceSpec("MONTHLY", byday=[f"{o}{code}" for o in ords]), m
    for rx in _SETPOS_WEEKDAY:
        m = rx.search(text)
        if m and (o := _ordinal(m.group("o"))) is not None and -1 <= o <= 5:
            spec = RecurrenceSpec("MONTHLY", byday=list(_CODES[:5]), bysetpos=o)
            return spec, m
    m = _MULTI_MONTHDAY.search(text)
    if m:
        ords = _ordinals(m.group("os"))
        if len(ords) > 1 and all(-1 <= o <= 31 and o != 0 for o in ords):
            ordered = sorted(ords, key=lambda o: 99 if o < 0 else o)
            spec = RecurrenceSpec("MONTHLY", interval=_interval(m.group("n")), monthdays=ordered)
            return spec, m
    for rx in (_TIMES_A_WEEK_DAYS, _SLASH_DAYS, _LONG_DAYLIST):
        m = rx.search(text)
        if m and rx is not _TIMES_A_WEEK_DAYS and _AFTER_UNIT.search(text[: m.start()]):
            continue  # "every 2 weeks on mon, tue and wed": the interval rule reads it
        if m:
            days = _days(m.group("days"))
            if len(days) > 1 or rx is _TIMES_A_WEEK_DAYS:
                return RecurrenceSpec("WEEKLY", byday=days), m
    m = _QUARTERLY.search(text)
    if m:
        return RecurrenceSpec("MONTHLY", interval=3), m
    return None


def _match_spec(text: str) -> tuple[RecurrenceSpec, re.Match[str]] | None:
    multi = _match_multi(text)
    if multi is not None:
        return multi
    for rx in _MONTHLY_DOM:
        m = rx.search(text)
        if m and (o := _ordinal(m.group("o"))) is not None:
            return RecurrenceSpec("MONTHLY", bymonthday=o), m
    for rx in _MONTHLY_NTH_DAY:
        m = rx.search(text)
        if m and (o := _ordinal(m.group("o"))) is not None and -1 <= o <= 5:
            code = _days(m.group("day"))[0]
            return RecurrenceSpec("MONTHLY", byday=[f"{o}{code}"]), m
    m = _EVERY_NTH_MONTHDAY.search(text)
    if m and (o := _ordinal(m.group("o"))) is not None:
        return RecurrenceSpec("MONTHLY", bymonthday=o), m
    m = _EVERY_N_DAYS_OF_WEEK.search(text)
    if m:
        spec = RecurrenceSpec("WEEKLY", interval=_interval(m.group("n")))
        spec.byday = _days(m.group("days"))
        if m.group("part"):
            spec.default_time = DAYPART_TIMES[m.group("part").lower()]
        return spec, m
    for rx in _YEARLY_DATE:
        m = rx.search(text)
        if m:
            mon = m.group("mon") or m.group("mon2")
            day = int(m.group("d") or m.group("d2"))
            try:
                date(2000, _month(mon), day)
            except ValueError:
                continue
            return RecurrenceSpec("YEARLY", bymonth=_month(mon), bymonthday=day), m
    m = _TWICE_A_DAY_RE.search(text)
    if m:  # on a 12-hour grid through the time given, else 09:00 and 21:00
        return RecurrenceSpec("HOURLY", interval=12, default_time=time(9, 0)), m
    m = _INTERVAL_RE.search(text)
    if m:
        unit = m.group("unit").lower().rstrip("s")
        spec = RecurrenceSpec(_UNIT_FREQ[unit], interval=_interval(m.group("n")))
        return _with_on(spec, m), m
    m = _EVERY_UNIT_RE.search(text)
    if m:
        unit = " ".join(m.group("unit").lower().split())
        part = m.group("part")
        soft = DAYPART_TIMES[part.lower()] if part else None  # "every weekday morning"
        if re.fullmatch(_WORKDAY, unit):
            return RecurrenceSpec("WEEKLY", byday=list(_CODES[:5]), default_time=soft), m
        if unit.startswith("weekend"):
            return RecurrenceSpec("WEEKLY", byday=["SA", "SU"], default_time=soft), m
        if unit in DAYPART_TIMES:
            return RecurrenceSpec("DAILY", default_time=DAYPART_TIMES[unit]), m
        return _with_on(RecurrenceSpec(_UNIT_FREQ[unit], default_time=soft), m), m
    m = _DAY_RANGE_RE.search(text)
    if m:
        a, b = WEEKDAYS[m.group("a").lower()], WEEKDAYS[m.group("b").lower()]
        if a != b:
            span = range(a, b + 1) if a < b else [*range(a, 7), *range(0, b + 1)]
            return RecurrenceSpec("WEEKLY", byday=[_CODES[i] for i in span]), m
    m = _EVERY_DAYS_RE.search(text)
    if m:
        part = m.group("part")
        soft = DAYPART_TIMES[part.lower()] if part else None
        return RecurrenceSpec("WEEKLY", byday=_days(m.group("days")), default_time=soft), m
    m = _ADVERB_RE.search(text)
    if m:
        adv = m.group("adv").lower()
        if adv in ("fortnightly", "biweekly"):
            spec = RecurrenceSpec("WEEKLY", interval=2)
        else:
            spec = RecurrenceSpec(_ADV_FREQ[adv])
            if adv == "nightly":
                spec.default_time = DAYPART_TIMES["night"]
        return _with_on(spec, m), m
    m = _WEEKDAYS_PLURAL_RE.search(text)
    if m:
        days = ["SA", "SU"] if m.group("w").lower() == "weekends" else list(_CODES[:5])
        return RecurrenceSpec("WEEKLY", byday=days), m
    m = _PLURAL_DAYS_RE.search(text)
    if m:
        return RecurrenceSpec("WEEKLY", byday=_days(m.group("days"))), m
    return None


_EVERY_BANG = re.compile(r"\b(every|each)!", _I)  # Todoist's "every!": from completion
_FROM_COMPLETION = _rx(
    r"\s*,?\s*\b(?:(?:counting|counted|starting)\s+)?(?:after|from|since|once)\s+(?:when\s+)?(?:"
    r"(?:i'?m|i\s+am|we'?re)\s+(?:done|finished|through)(?:\s+with\s+it)?"
    r"|(?:i|you|we)(?:'ve|\s+have)?\s+(?:finish|complete|do|did|done|check|tick|mark|close)\w*"
    r"(?:\s+(?:it|them|this|each\s+one|the\s+last\s+one))?(?:\s+off)?(?:\s+(?:as\s+)?done)?"
    r"|(?:it|this|each\s+one|the\s+last\s+one|the\s+previous\s+one|last\s+time)"
    r"(?:'s|\s+is|\s+was|\s+gets|\s+got|\s+has\s+been)?\s+(?:done|completed|finished|complete)"
    r"|(?:each\s+|the\s+|its\s+|last\s+)?(?:completion|completing(?:\s+it)?|finishing(?:\s+it)?)"
    r"|the\s+(?:last|previous)\s+one"
    r")\b"
)
_COUNT_RE = _rx(
    rf"\s*,?\s*\b(?:for\s+)?(?:a\s+total\s+of\s+)?(?P<n>\d+|{_INTERVAL_WORDS})\s+"
    r"(?:times|occurrences|sessions|repetitions|reps)\b(?:\s+(?:in\s+)?total)?"
)
_FOR_PERIOD_RE = _rx(
    rf"\s*,?\s*\bfor\s+(?:the\s+next\s+)?(?P<n>\d+|{_INTERVAL_WORDS})\s+"
    r"(?P<unit>days?|weeks?|months?|years?)\b"
)
_UNTIL_RE = _rx(
    r"\s*,?\s*\b(?:until|till|til|through|thru|ending(?:\s+on)?|ends?\s+on|up\s+to|stopping"
    r"(?:\s+on)?)\s+"
)


def find_recurrence(text: str, now: datetime | None = None) -> RecurrenceSpec | None:
    """Find the first recurrence phrase in ``text`` (span included in the result). With
    ``now``, also how the series ends ("until ...", "for 5 times", "for 3 weeks") and whether
    it counts from completion ("after I finish", "every!"); their spans go to extra_spans."""
    text = mask(text, quoted_spans(text))
    bang = _EVERY_BANG.search(text)
    if bang:
        text = text[: bang.end() - 1] + " " + text[bang.end() :]
    found = _match_spec(text)
    if found is None:
        return None
    spec, m = found
    spec.span = (m.start(), m.end())
    for name in ("part", "unit"):
        value = m.groupdict().get(name)
        word = (value or "").lower()
        at_end = bool(word) and m.end(name) == m.end()
        if at_end and word in DAYPART_TIMES and _TIME_NEXT.match(text[m.end() :]):
            spec.span = (m.start(), m.start(name))
            if spec.default_time is None:
                spec.default_time = DAYPART_TIMES[word]
    if spec.freq == "WEEKLY" and not spec.byday and spec.interval == 1:
        # "thurs and sat at 6:15pm every week": the days were named before the rule
        before = [d for d in _DAYS_BEFORE.finditer(text[: spec.span[0]])]
        if before and spec.span[0] - before[-1].end() <= 30:
            spec.byday = _days(before[-1].group("days"))
            spec.extra_spans.append(before[-1].span())
    if bang:
        spec.from_completion = True
        spec.extra_spans.append((bang.end() - 1, bang.end()))
    if now is not None:
        _series_end(spec, text, now)
    return spec


_END_OF_MONTH = _rx(rf"(?:the\s+)?end\s+of\s+(?P<mon>{MONTH_RE})\b")
_ONE = {
    "day": relativedelta(days=1),
    "week": relativedelta(weeks=1),
    "month": relativedelta(months=1),
    "year": relativedelta(years=1),
}


_EXCEPT_RE = _rx(rf"\s*,?\s*\b(?:except|but\s+not|excluding|not)\s+(?:on\s+)?(?P<days>{_DAYLIST})")


def _series_end(spec: RecurrenceSpec, text: str, now: datetime) -> None:
    rest_from = spec.span[1]
    rest = text[rest_from:]
    m = _EXCEPT_RE.search(rest)
    if m and spec.freq in ("DAILY", "WEEKLY") and spec.interval == 1:
        # "every weekday except friday", "every day except sunday"
        days = spec.byday or list(_CODES)
        kept = [d for d in days if d not in _days(m.group("days"))]
        if kept and kept != days:
            spec.freq, spec.byday = "WEEKLY", kept
            spec.extra_spans.append((rest_from + m.start(), rest_from + m.end()))
    m = _FROM_COMPLETION.search(rest)
    if m:
        spec.from_completion = True
        spec.extra_spans.append((rest_from + m.start(), rest_from + m.end()))
    m = _COUNT_RE.search(rest)
    if m:
        spec.count = _interval(m.group("n"))
        spec.extra_spans.append((rest_from + m.start(), rest_from + m.end()))
        return
    m = _FOR_PERIOD_RE.search(rest)
    if m:
        unit = m.group("unit").lower().rstrip("s")
        n = _interval(m.group("n"))
        try:
            spec.until = now.date() + _ONE[unit] * n - timedelta(days=1)
        except (OverflowError, ValueError) as exc:
            raise PhraseError(TOO_FAR) from exc
        spec.extra_spans.append((rest_from + m.start(), rest_from + m.end()))
        return
    for m in _UNTIL_RE.finditer(rest):
        tail_at = rest_from + m.end()
        tail = text[tail_at:]
        eom = _END_OF_MONTH.match(tail)
        if eom:  # "until the end of march": that month's last day, the coming one
            month = _month(eom.group("mon"))
            year = now.year if month >= now.month else now.year + 1
            spec.until = date(year, month, 1) + relativedelta(day=31)
            spec.extra_spans.append((rest_from + m.start(), tail_at + eom.end()))
            return
        dp = extract_datetime(tail, now)
        if not dp.found or dp.when is None or tail[: dp.spans[0][0]].strip():
            continue
        if len(dp.spans) == 1 and dp.time_part is not None:
            continue  # "until 5pm" is no end date
        # the date is found (and its span taken) first; a time after it ("until dec 31 at
        # 9pm") is the time of day of the occurrences, left for the due time
        spec.until = dp.when.date()
        spec.extra_spans.append((rest_from + m.start(), tail_at + dp.spans[0][1]))
        return


def checked_rule(spec: RecurrenceSpec) -> str:
    """The spec's RRULE, refused as the task API would refuse it (same bounds)."""
    if spec.from_completion and spec.count is not None:
        raise PhraseError(
            "a repeat counted from completion cannot stop after a number of times; "
            "give an end date instead (until ...)"
        )
    try:
        return validate_rrule(spec.rrule())
    except RecurrenceError as exc:
        raise PhraseError(f"that repeat cannot be used: {exc}") from exc


MAX_FIRST_STEPS = 1000  # instances looked at for the first occurrence


def first_occurrence(
    spec: RecurrenceSpec,
    now: datetime,
    at: time | None = None,
    not_before: date | None = None,
) -> datetime:
    """First occurrence strictly after ``now`` (and on/after ``not_before``), aware in now's zone.

    ``INTERVAL`` is ignored for the first occurrence (the coming matching day is used), and
    a rule without BY-parts starts today if ``at`` is still ahead, else tomorrow. An hourly
    rule runs on a grid from ``at`` today ("every 12 hours starting at 7pm": 7pm and 7am), its
    first instance after now; without ``at``, from the next full hour. Bounded: at most
    MAX_FIRST_STEPS instances within HORIZON_YEARS are looked at, and a rule with none there
    (or dates beyond the year 9000) is a PhraseError, never a loop.
    """
    evening = spec.default_time is not None and spec.default_time.hour >= 18
    if at is not None and evening and 8 <= at.hour <= 11:
        at = at.replace(hour=at.hour + 12)  # "nightly at 11": the evening's 11 (1..7 are pm)
    tod = at or spec.default_time or DEFAULT_TIME
    start_day = max(now.date(), not_before) if not_before else now.date()
    if start_day.year >= 9000 - HORIZON_YEARS:
        raise PhraseError(TOO_FAR)
    if spec.freq == "HOURLY":
        at = at or spec.default_time  # "twice a day": 09:00 and 21:00
        if at is None and not_before is None:
            return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        # a grid through that time of day, its first point after now: "every 8 hours
        # starting at 6am" asked at 9am is 2pm, at 3am it is 6am; a later start day given
        # ("starting tomorrow at 7pm") is itself the first
        first = localize(datetime.combine(start_day, tod), now)
        if not_before is not None and not_before > now.date():
            return first
        step = timedelta(hours=spec.interval)
        return first + step * ((now - first) // step + 1)
    single = replace(spec, interval=1, count=None, until=None)
    if not (single.byday or single.bymonthday or single.bymonth):
        single = replace(single, freq="DAILY")
    dtstart = datetime.combine(start_day, tod)
    horizon = dtstart + relativedelta(years=HORIZON_YEARS)
    rule = rrulestr(single.rrule(), dtstart=dtstart)
    for steps, naive in enumerate(rule, 1):
        if naive > horizon or steps > MAX_FIRST_STEPS:
            break
        aware = localize(naive, now)
        if aware > now:
            if spec.until is not None and naive.date() > spec.until:
                raise PhraseError("that repeat ends before its first occurrence")
            return aware
    raise PhraseError(f"that repeat has no occurrence within {HORIZON_YEARS} years")
