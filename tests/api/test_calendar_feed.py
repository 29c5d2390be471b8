"""The calendar feed in the embedded product (SQLite and PostgreSQL): `/me/calendar` gives a
secret URL that serves the user's dated tasks as iCalendar (parsed back with `icalendar`);
rotating kills the old URL, deleting turns it off, a secret opens only its owner's feed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
import pytest

from tests.support.embedded_env import EmbeddedEnv

pytestmark = pytest.mark.anyio


async def feed_path(env: EmbeddedEnv, headers: dict[str, str], method: str = "GET") -> str:
    path = "/me/calendar" if method == "GET" else "/me/calendar/rotate"
    resp = await env.client.request(method, path, headers=headers)
    assert resp.status_code == 200, resp.text
    url = resp.json()["url"]
    assert url.startswith("http://todo/calendar/") and url.endswith(".ics")
    return urlsplit(url).path


async def create(env: EmbeddedEnv, headers: dict[str, str], **body: object) -> dict:
    resp = await env.client.post("/tasks", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def events_by_summary(text: str) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(text)
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


async def test_feed_serves_dated_tasks_in_the_users_zone(db_env: EmbeddedEnv) -> None:
    alice = db_env.user("alice", tz="Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")
    due = datetime(2031, 3, 28, 9, 30, tzinfo=berlin)  # the Friday before DST begins
    weekly = await create(
        db_env,
        alice,
        title="standup, daily; with notes",
        due_at=due.isoformat(),
        recurrence="FREQ=WEEKLY;BYDAY=FR;COUNT=5",
        duration_minutes=45,
        reminders=[{"before_minutes": 15}],
    )
    await create(db_env, alice, title="file taxes", deadline="2031-05-31")
    await create(db_env, alice, title="no date at all")
    done = await create(db_env, alice, title="finished", due_at=due.isoformat())
    await db_env.client.post(f"/tasks/{done['id']}/complete", headers=alice)

    path = await feed_path(db_env, alice)
    assert path == await feed_path(db_env, alice)  # shown again, unchanged
    resp = await db_env.client.get(path)  # no bearer token: the secret is the credential
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/calendar")
    assert "private" in resp.headers["cache-control"]
    assert b"\r\n" in resp.content and b"\n" not in resp.content.replace(b"\r\n", b"")

    events = events_by_summary(resp.text)
    assert set(events) == {"standup, daily; with notes", "Deadline: file taxes"}
    standup = events["standup, daily; with notes"]
    start = standup.decoded("DTSTART")
    assert start == due and str(start.tzinfo) == "Europe/Berlin"
    assert standup["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert standup.decoded("DURATION") == timedelta(minutes=45)
    assert standup["RRULE"]["FREQ"] == ["WEEKLY"] and standup["RRULE"]["COUNT"] == [5]
    assert str(standup["UID"]) == f"{weekly['series_id']}@todo-assistant"
    (alarm,) = standup.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -timedelta(minutes=15)
    deadline = events["Deadline: file taxes"]
    assert deadline.decoded("DTSTART") == date(2031, 5, 31)
    assert deadline.decoded("DTEND") == date(2031, 6, 1)
    calendar = icalendar.Calendar.from_ical(resp.text)
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]


async def test_rotate_kills_the_old_url_and_delete_turns_the_feed_off(db_env: EmbeddedEnv) -> None:
    alice = db_env.user("alice")
    first = await feed_path(db_env, alice)
    assert (await db_env.client.get(first)).status_code == 200
    head = await db_env.client.head(first)  # some apps ask before they fetch
    assert head.status_code == 200 and head.headers["content-type"].startswith("text/calendar")
    second = await feed_path(db_env, alice, method="POST")
    assert second != first
    assert (await db_env.client.get(first)).status_code == 404
    assert (await db_env.client.get(second)).status_code == 200
    assert (await db_env.client.delete("/me/calendar", headers=alice)).status_code == 204
    assert (await db_env.client.get(second)).status_code == 404
    third = await feed_path(db_env, alice)  # turned on again: a new address
    assert third not in (first, second)
    assert (await db_env.client.get(third)).status_code == 200


async def test_a_secret_opens_only_its_owners_feed(env: EmbeddedEnv) -> None:
    alice, bob = env.user("alice"), env.user("bob")
    await create(env, alice, title="alice's secret plan", due_at="2031-01-02T10:00:00+00:00")
    await create(env, bob, title="bob's dentist", due_at="2031-01-03T10:00:00+00:00")
    bob_feed = (await env.client.get(await feed_path(env, bob))).text
    assert set(events_by_summary(bob_feed)) == {"bob's dentist"}
    assert "alice" not in bob_feed
    alice_path = await feed_path(env, alice)
    assert "alice" not in alice_path  # no user id in the URL
    assert set(events_by_summary((await env.client.get(alice_path)).text)) == {
        "alice's secret plan"
    }


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/" + "A" * 43 + ".ics",  # the right shape, no such feed
        "/calendar/short.ics",
        "/calendar/" + "A" * 43,  # no .ics
        "/calendar/" + "A" * 43 + ".txt",
    ],
)
async def test_bad_secrets_are_404(env: EmbeddedEnv, path: str) -> None:
    env.user("alice")
    await feed_path(env, env.user("alice"))
    assert (await env.client.get(path)).status_code == 404


async def test_a_character_no_secret_has_is_refused_before_any_lookup(env: EmbeddedEnv) -> None:
    assert (await env.client.get("/calendar/%2E%2E.ics")).status_code == 422
    # an encoded slash or NUL is refused by the gateway's path guard already
    for path in ("/calendar/a%2Fb.ics", "/calendar/a%00b.ics"):
        assert (await env.client.get(path)).status_code in {404, 422}


async def test_the_owners_routes_need_a_signed_in_user(env: EmbeddedEnv) -> None:
    assert (await env.client.get("/me/calendar")).status_code == 401
    assert (await env.client.post("/me/calendar/rotate")).status_code == 401
    assert (await env.client.delete("/me/calendar")).status_code == 401


async def test_a_disabled_or_deleted_owner_has_no_feed(env: EmbeddedEnv) -> None:
    from sqlmodel import Session

    from backend_services.kernel.accounts import User
    from backend_services.task_service.users.deletion import delete_account

    alice = env.user("alice")
    path = await feed_path(env, alice)
    with Session(env.engine) as session:
        user = session.get(User, "alice")
        assert user is not None
        user.disabled = True
        session.add(user)
        session.commit()
    assert (await env.client.get(path)).status_code == 404
    with Session(env.engine) as session:
        delete_account(session, "alice")
    assert (await env.client.get(path)).status_code == 404


async def test_feed_requests_are_rate_limited(tmp_path: object) -> None:
    from pathlib import Path

    from tests.support.embedded_env import embedded_env, make_settings

    settings = make_settings(Path(str(tmp_path)), calendar_feed_requests_per_minute=3)
    async with embedded_env(settings) as env:
        path = await feed_path(env, env.user("alice"))
        answers = [(await env.client.get(path)).status_code for _ in range(4)]
        assert answers[:3] == [200, 200, 200]
        assert answers[3] == 429


async def test_public_url_setting_names_the_feed_address(tmp_path: object) -> None:
    from pathlib import Path

    from tests.support.embedded_env import embedded_env, make_settings

    settings = make_settings(Path(str(tmp_path)), public_url="https://todo.example.com/")
    async with embedded_env(settings) as env:
        resp = await env.client.get("/me/calendar", headers=env.user("alice"))
        url = resp.json()["url"]
        assert url.startswith("https://todo.example.com/calendar/") and url.endswith(".ics")
