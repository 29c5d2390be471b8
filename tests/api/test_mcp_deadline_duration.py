"""Over MCP (the embedded product on a real port, a personal access token): a deadline and a
duration are tool arguments like any other, land in the task service, and the calendar feed
of that user shows them. Issue 24."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import icalendar
import pytest

from tests.api.test_mcp_embedded import Served, served
from tests.support.mcp_client import call, connect, payload

pytestmark = pytest.mark.anyio
__all__ = ["served"]  # the module's fixture: the embedded product, /mcp included


async def test_deadline_and_duration_over_mcp_reach_the_feed(served: Served) -> None:
    pat = served.pat("erin")
    async with connect(served.mcp, pat.token) as session:
        added = payload(
            await call(
                session,
                "add_task",
                title="tax return",
                due_at="2031-04-10T09:00",
                deadline="2031-04-15",
                duration_minutes=120,
            )
        )
        assert added["ok"] is True, added
        assert added["data"]["deadline"] == "2031-04-15"
        assert added["data"]["duration_minutes"] == 120
        assert "takes 2 h" in added["message"]
        cleared = payload(await call(session, "update_task", task="it", clear=["duration"]))
        assert cleared["ok"] is True and cleared["data"]["duration_minutes"] is None

    link = served.rest("GET", "/me/calendar", pat.token)
    assert link.status_code == 200, link.text
    feed = httpx.get(served.url + urlsplit(link.json()["url"]).path, timeout=30)
    assert feed.status_code == 200
    events = {str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(feed.text).walk("VEVENT")}
    assert events == {"tax return", "Deadline: tax return"}
