"""The date/time vocabulary, defined once: weekday and month names with their
abbreviations, ordinals, number words and parts of the day. dates.py, recurrence.py,
offsets.py and typos.py build their patterns and word lists from these tables.
"""

from __future__ import annotations

from datetime import time

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# every accepted spelling of a weekday -> 0 (Monday) .. 6 (Sunday)
WEEKDAYS: dict[str, int] = {
    **{name: i for i, name in enumerate(WEEKDAY_NAMES)},
    "mon": 0,
    "tue": 1,
    "tues": 1,
    "wed": 2,
    "weds": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}
MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# every accepted spelling of a month -> 1..12
MONTHS: dict[str, int] = {
    **{name: i for i, name in enumerate(MONTH_NAMES, 1)},
    **{name[:3]: i for i, name in enumerate(MONTH_NAMES, 1)},
    "sept": 9,
}
ORDINAL_WORDS: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "last": -1,
}
# ordinal day-of-month words ("the third of March", "on the twenty-first")
DAY_ORDINAL_WORDS: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}
for _unit, _ord in list(DAY_ORDINAL_WORDS.items())[:9]:
    DAY_ORDINAL_WORDS[f"twenty-{_unit}"] = 20 + _ord
    DAY_ORDINAL_WORDS[f"twenty {_unit}"] = 20 + _ord
DAY_ORDINAL_WORDS["thirty-first"] = 31
DAY_ORDINAL_WORDS["thirty first"] = 31

# clock words ("quarter past nine", "ten to five"): 1..59
CLOCK_NUMBERS: dict[str, int] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "twenty-five": 25,
    "twenty five": 25,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "forty five": 45,
    "fifty": 50,
}

# amounts ("in two hours", "every three weeks", "a couple of days"): the clock words a person
# counts with, plus the words that stand for a number
NUMBER_WORDS: dict[str, int] = {
    **{
        word: CLOCK_NUMBERS[word]
        for word in (
            "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "eleven", "twelve", "fifteen", "twenty", "thirty", "forty", "forty-five", "fifty",
        )
    },
    "a": 1,
    "an": 1,
    "fortyfive": 45,
    "sixty": 60,
    "ninety": 90,
    "couple of": 2,
    "a couple of": 2,
    "few": 3,
    "a few": 3,
}  # fmt: skip

DAYPART_TIMES: dict[str, time] = {
    "morning": time(9, 0),
    "afternoon": time(15, 0),
    "evening": time(18, 0),
    "night": time(20, 0),
    "tonight": time(20, 0),
}
# short ways to name a part of the day right after a day ("sat am", "fri pm", "tmrw arvo")
DAYPART_ALIASES: dict[str, str] = {
    "morn": "morning",
    "am": "morning",
    "a.m.": "morning",
    "arvo": "afternoon",
    "pm": "afternoon",
    "p.m.": "afternoon",
    "eve": "evening",
    "nite": "night",
}
# which half of the day a part of the day puts a bare clock hour in ("night at 9" = 21:00)
DAYPART_PM: dict[str, bool] = {
    "morning": False,
    "afternoon": True,
    "evening": True,
    "night": True,
    "tonight": True,
}


def alternation(words: object) -> str:
    """A regex alternation of ``words``, longest first (so "thurs" wins over "thu")."""
    import re

    items = sorted({str(w) for w in words}, key=len, reverse=True)  # type: ignore[attr-defined]
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in items)


DAY_RE = alternation(WEEKDAYS)
FULL_DAY_RE = alternation(WEEKDAY_NAMES)
ABBR_DAY_RE = alternation(w for w in WEEKDAYS if w not in WEEKDAY_NAMES)
MONTH_RE = alternation(MONTHS)
DAYPART_RE = alternation(w for w in DAYPART_TIMES if w != "tonight")
# a part of the day after a day word, aliases too
DAY_DAYPART_RE = alternation([*(w for w in DAYPART_TIMES if w != "tonight"), *DAYPART_ALIASES])
ORDINAL_WORD_RE = alternation(ORDINAL_WORDS)
DAY_ORDINAL_WORD_RE = alternation(DAY_ORDINAL_WORDS)
CLOCK_NUMBER_RE = alternation(CLOCK_NUMBERS)

# every word of this vocabulary (the typo corrector's targets come from here)
VOCAB_WORDS: frozenset[str] = frozenset(
    {
        *WEEKDAY_NAMES,
        *(f"{d}s" for d in WEEKDAY_NAMES),
        *(m for m in MONTH_NAMES if len(m) > 4),
        *DAYPART_TIMES,
    }
)
