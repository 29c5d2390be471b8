"""Resolve user-typed time zone names ("Europe/Berlin", "new york", "PST") to IANA keys."""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

_REGIONS = {
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
}
_ALIASES: dict[str, str] = {
    "utc": "UTC",
    "gmt": "UTC",
    "zulu": "UTC",
    "universal": "UTC",
    "est": "America/New_York",
    "edt": "America/New_York",
    "eastern": "America/New_York",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "central": "America/Chicago",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "mountain": "America/Denver",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "ist": "Asia/Kolkata",
    "india": "Asia/Kolkata",
    "pkt": "Asia/Karachi",
    "pakistan": "Asia/Karachi",
    "bst": "Europe/London",
    "uk": "Europe/London",
    "cet": "Europe/Berlin",
    "cest": "Europe/Berlin",
    "jst": "Asia/Tokyo",
    "japan": "Asia/Tokyo",
    "aest": "Australia/Sydney",
    "nyc": "America/New_York",
    "ny": "America/New_York",
    "sf": "America/Los_Angeles",
    "san francisco": "America/Los_Angeles",
    "la": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "dc": "America/New_York",
    "miami": "America/New_York",
    "atlanta": "America/New_York",
    "houston": "America/Chicago",
    "dallas": "America/Chicago",
    "austin": "America/Chicago",
    "mumbai": "Asia/Kolkata",
    "bombay": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "lahore": "Asia/Karachi",
    "islamabad": "Asia/Karachi",
    "beijing": "Asia/Shanghai",
    "china": "Asia/Shanghai",
    "munich": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "germany": "Europe/Berlin",
    "france": "Europe/Paris",
    "spain": "Europe/Madrid",
    "italy": "Europe/Rome",
    "manchester": "Europe/London",
    "toronto": "America/Toronto",
    "montreal": "America/Toronto",
    "melbourne": "Australia/Melbourne",
    "sydney": "Australia/Sydney",
    "dubai": "Asia/Dubai",
    "singapore": "Asia/Singapore",
    "hong kong": "Asia/Hong_Kong",
}


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    idx: dict[str, str] = {}
    for name in sorted(available_timezones()):
        idx[name.lower()] = name
        region, _, city = name.rpartition("/")
        if region.split("/")[0] in _REGIONS:
            idx.setdefault(city.replace("_", " ").lower(), name)
    idx.update(_ALIASES)
    return idx


def resolve_timezone(text: str) -> str | None:
    """Return a valid IANA key for ``text`` or None."""
    t = text.strip().strip(".!?\"'").strip()
    t = re.sub(r"\s+(?:time|timezone|time\s+zone|tz)$", "", t, flags=re.I)
    t = re.sub(r"^(?:the\s+)?", "", t, flags=re.I).strip()
    key = _index().get(t.lower()) or _index().get(t.lower().replace(" ", "_"))
    if key is None:
        return None
    try:
        ZoneInfo(key)
    except (KeyError, ValueError):
        return None
    return key
