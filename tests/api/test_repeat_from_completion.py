"""Recurrence counted from completion ("every 3 days after I finish") through the recurring
worker in embedded mode: the next occurrence follows the completion day, not the schedule."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.embedded_env import EmbeddedEnv, eventually

pytestmark = pytest.mark.anyio
BERLIN = ZoneInfo("Europe/Berlin")


async def series(env: EmbeddedEnv, headers: dict[str, str], title: str) -> list[dict]:
    items = (
        await env.client.get("/tasks", params={"q": title, "sort": "due"}, headers=headers)
    ).json()["items"]
    return [t for t in items if t["title"] == title]


async def test_next_occurrence_counts_from_the_completion(db_env: EmbeddedEnv) -> None:
    env = db_env  # on SQLite and on PostgreSQL (the migration's columns)
    alice = env.user("alice", "Europe/Berlin")
    # the first occurrence was ten days ago: a fixed schedule would give one in the past
    ten_days_ago = datetime.now(BERLIN).date() - timedelta(days=10)
    first_due = datetime.combine(ten_days_ago, time(9, 0), BERLIN)
    task = (
        await env.client.post(
            "/tasks",
            headers=alice,
            json={
                "title": "water the ferns",
                "due_at": first_due.isoformat(),
                "recurrence": "FREQ=DAILY;INTERVAL=3",
                "repeat_from_completion": True,
                "list_name": "Home",
                "reminders": [{"before_minutes": 30}],
            },
        )
    ).json()
    assert task["repeat_from_completion"] is True
    done = (await env.client.post(f"/tasks/{task['id']}/complete", headers=alice)).json()
    completed_day = datetime.fromisoformat(done["completed_at"]).astimezone(BERLIN).date()

    async def two() -> list[dict] | None:
        found = await series(env, alice, "water the ferns")
        return found if len(found) == 2 else None

    nxt = (await eventually(two, what="the next occurrence"))[1]
    want = datetime.combine(completed_day + timedelta(days=3), time(9, 0), BERLIN)
    assert datetime.fromisoformat(nxt["due_at"]) == want
    assert (nxt["repeat_from_completion"], nxt["list_name"], nxt["series_id"]) == (
        True,
        "Home",
        task["series_id"],
    )
    assert datetime.fromisoformat(nxt["reminders"][0]["at"]) == want - timedelta(minutes=30)

    # reopened and completed again while its successor is open: no second successor
    await env.client.post(f"/tasks/{task['id']}/reopen", headers=alice)
    await env.client.post(f"/tasks/{task['id']}/complete", headers=alice)
    # a later recurring task's successor shows the worker got past that completion (one user's
    # task events are handled in order)
    marker = (
        await env.client.post(
            "/tasks",
            headers=alice,
            json={"title": "marker", "due_at": first_due.isoformat(), "recurrence": "FREQ=DAILY"},
        )
    ).json()
    await env.client.post(f"/tasks/{marker['id']}/complete", headers=alice)

    async def marker_next() -> bool:
        return len(await series(env, alice, "marker")) == 2

    await eventually(marker_next, what="the marker's next occurrence")
    assert len(await series(env, alice, "water the ferns")) == 2
