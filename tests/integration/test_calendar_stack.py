"""The calendar feed on the real stack (PostgreSQL, task-service behind its daprd): the
owner's link and the feed itself reached by service invocation through chat-ui's daprd
(chat-ui's sidecar -> task-service's sidecar -> task-service), the feed without any bearer
token; rotating kills the old address on the stack too. Issue 24."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import icalendar
import pytest

from tests.integration.harness import RealStack, bearer

pytestmark = pytest.mark.stack

INVOKE = "/v1.0/invoke/task-service/method"


def test_calendar_feed_through_daprd(stack: RealStack) -> None:
    _user, token = stack.new_user("cal", timezone="America/New_York")
    with httpx.Client(base_url=stack.dapr_url("chat-ui"), timeout=30) as dapr:
        created = dapr.post(
            f"{INVOKE}/tasks",
            json={
                "title": "dentist",
                "due_at": "2031-04-02T15:00:00-04:00",
                "duration_minutes": 45,
                "deadline": "2031-04-03",
                "recurrence": "FREQ=MONTHLY;COUNT=3",
                "reminders": [{"before_minutes": 60}],
            },
            headers=bearer(token),
        )
        assert created.status_code == 201, created.text
        link = dapr.get(f"{INVOKE}/me/calendar", headers=bearer(token))
        assert link.status_code == 200, link.text
        feed_path = urlsplit(link.json()["url"]).path  # /calendar/<secret>.ics
        assert feed_path.startswith("/calendar/") and feed_path.endswith(".ics")

        served = dapr.get(f"{INVOKE}{feed_path}")  # no bearer token: the secret is the key
        assert served.status_code == 200, served.text
        assert served.headers["content-type"].startswith("text/calendar")
        assert "private" in served.headers["cache-control"]
        calendar = icalendar.Calendar.from_ical(served.text)
        events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
        assert set(events) == {"dentist", "Deadline: dentist"}
        dentist = events["dentist"]
        assert str(dentist.decoded("DTSTART").tzinfo) == "America/New_York"
        assert dentist.decoded("DTSTART").hour == 15
        assert dentist["RRULE"]["COUNT"] == [3]
        assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["America/New_York"]

        rotated = dapr.post(f"{INVOKE}/me/calendar/rotate", headers=bearer(token))
        assert rotated.status_code == 200, rotated.text
        assert dapr.get(f"{INVOKE}{feed_path}").status_code == 404
        new_path = urlsplit(rotated.json()["url"]).path
        assert dapr.get(f"{INVOKE}{new_path}").status_code == 200

    # the app's own port answers the same (what the Ingress's /calendar path reaches)
    with httpx.Client(base_url=stack.app_url("task-service"), timeout=30) as direct:
        assert direct.get(new_path).status_code == 200
        assert direct.get(feed_path).status_code == 404
    # PostgreSQL holds a hash and a nonce, never the address's secret
    secret = new_path.removeprefix("/calendar/").removesuffix(".ics")
    rows = stack.sql("SELECT nonce, secret_hash FROM calendar_feeds")
    assert rows and all(secret not in (nonce, digest) for nonce, digest in rows)
