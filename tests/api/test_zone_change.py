"""Changing the account's time zone (PATCH /me, as the chat does when it takes the browser's
zone) keeps the wall-clock times of the tasks stated in the old zone: "call mom tomorrow 17:00"
stays 17:00 and its reminders move with it (a TaskUpdated each, which reminder jobs follow)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.embedded_env import EmbeddedEnv

pytestmark = pytest.mark.anyio

BERLIN = ZoneInfo("Europe/Berlin")


async def test_a_new_zone_keeps_wall_times_of_pending_tasks(db_env: EmbeddedEnv) -> None:
    alice, bob = db_env.user("alice"), db_env.user("bob")  # both on UTC
    due = datetime(2030, 1, 10, 17, 0, tzinfo=UTC)  # "17:00", stated in UTC
    at = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)
    body = {
        "title": "call mom",
        "due_at": due.isoformat(),
        "reminders": [{"before_minutes": 15}, {"at": at.isoformat()}],
    }
    call = (await db_env.client.post("/tasks", json=body, headers=alice)).json()
    done = (await db_env.client.post("/tasks", json={"title": "old", **body}, headers=alice)).json()
    await db_env.client.post(f"/tasks/{done['id']}/complete", headers=alice)
    bobs = (await db_env.client.post("/tasks", json=body, headers=bob)).json()

    me = await db_env.client.patch("/me", json={"timezone": "Europe/Berlin"}, headers=alice)
    assert me.status_code == 200 and me.json()["timezone"] == "Europe/Berlin"

    moved = (await db_env.client.get(f"/tasks/{call['id']}", headers=alice)).json()
    moved_due = datetime.fromisoformat(moved["due_at"]).astimezone(BERLIN)
    assert (moved_due.date().isoformat(), moved_due.hour, moved_due.minute) == (
        "2030-01-10",
        17,
        0,
    )
    reminders = sorted(datetime.fromisoformat(r["at"]) for r in moved["reminders"])
    assert [r.astimezone(BERLIN).hour for r in reminders] == [9, 16]
    assert reminders[1] == datetime.fromisoformat(moved["due_at"]) - timedelta(minutes=15)
    # a completed task and another user's are left as they were
    kept = (await db_env.client.get(f"/tasks/{done['id']}", headers=alice)).json()
    assert datetime.fromisoformat(kept["due_at"]) == due
    theirs = (await db_env.client.get(f"/tasks/{bobs['id']}", headers=bob)).json()
    assert datetime.fromisoformat(theirs["due_at"]) == due

    # the same zone again changes nothing
    again = await db_env.client.patch("/me", json={"timezone": "Europe/Berlin"}, headers=alice)
    assert again.status_code == 200
    same = (await db_env.client.get(f"/tasks/{call['id']}", headers=alice)).json()
    assert same["due_at"] == moved["due_at"]
