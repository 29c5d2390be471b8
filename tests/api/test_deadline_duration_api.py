"""Deadline (a date, apart from the due time) and duration on tasks through REST and events:
create, change, clear, filter, sort, clear 422s; a series' next occurrence keeps the duration
and never the deadline; the events carry both."""

from __future__ import annotations

import pytest

from backend_services.contracts import CloudEvent, TaskCreated, TaskSnapshot
from tests.support.embedded_env import EmbeddedEnv

pytestmark = pytest.mark.anyio


async def test_deadline_and_duration_round_trip_filter_and_clear(db_env: EmbeddedEnv) -> None:
    alice = db_env.user("alice")
    c = db_env.client
    resp = await c.post(
        "/tasks",
        json={"title": "report", "deadline": "2031-02-14", "duration_minutes": 90},
        headers=alice,
    )
    assert resp.status_code == 201, resp.text
    report = resp.json()
    assert report["deadline"] == "2031-02-14" and report["duration_minutes"] == 90
    other = (
        await c.post("/tasks", json={"title": "slides", "deadline": "2031-03-01"}, headers=alice)
    ).json()
    await c.post("/tasks", json={"title": "no deadline"}, headers=alice)

    async def titles(**params: object) -> list[str]:
        page = await c.get("/tasks", params=params, headers=alice)
        assert page.status_code == 200, page.text
        return [t["title"] for t in page.json()["items"]]

    assert await titles(deadline_before="2031-02-14") == ["report"]
    assert await titles(deadline_after="2031-02-15") == ["slides"]
    assert sorted(await titles(has_deadline="true")) == ["report", "slides"]
    assert await titles(has_deadline="false") == ["no deadline"]
    assert await titles(sort="-deadline") == ["slides", "report", "no deadline"]

    patched = await c.patch(
        f"/tasks/{report['id']}", json={"deadline": None, "duration_minutes": 30}, headers=alice
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["deadline"] is None and patched.json()["duration_minutes"] == 30
    untouched = await c.patch(f"/tasks/{other['id']}", json={"title": "slides v2"}, headers=alice)
    assert untouched.json()["deadline"] == "2031-03-01"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"deadline": "2031-02-30"}, "deadline"),
        ({"deadline": "2031-02-14T10:00:00+00:00"}, "deadline"),
        ({"deadline": "1800-01-01"}, "deadline"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": -5}, "duration_minutes"),
        ({"duration_minutes": 24 * 60 + 1}, "duration_minutes"),
        ({"duration_minutes": "long"}, "duration_minutes"),
    ],
)
async def test_bad_deadline_or_duration_is_a_clear_422(
    env: EmbeddedEnv, body: dict[str, object], field: str
) -> None:
    alice = env.user("alice")
    resp = await env.client.post("/tasks", json={"title": "x", **body}, headers=alice)
    assert resp.status_code == 422, resp.text
    assert field in resp.text
    listed = await env.client.get("/tasks", headers=alice)
    assert listed.json()["total"] == 0  # nothing was created


async def test_next_occurrence_keeps_duration_not_deadline(env: EmbeddedEnv) -> None:
    alice = env.user("alice")
    task = (
        await env.client.post(
            "/tasks",
            json={
                "title": "gym",
                "due_at": "2031-01-01T07:00:00+00:00",
                "recurrence": "FREQ=DAILY",
                "deadline": "2031-01-01",
                "duration_minutes": 60,
            },
            headers=alice,
        )
    ).json()
    done = await env.client.post(f"/tasks/{task['id']}/complete", headers=alice)
    assert done.status_code == 200

    async def successor() -> dict | None:
        page = (await env.client.get("/tasks", params={"status": "pending"}, headers=alice)).json()
        return page["items"][0] if page["items"] else None

    from tests.support.embedded_env import eventually

    nxt = await eventually(successor, what="the next occurrence")
    assert nxt["duration_minutes"] == 60 and nxt["deadline"] is None


def test_events_carry_the_new_fields_and_older_events_still_parse() -> None:
    old = {
        "user_id": "alice",
        "task": {
            "id": "t", "user_id": "alice", "title": "x", "status": "pending",
            "priority": "none", "created_at": "2030-01-01T00:00:00Z",
            "updated_at": "2030-01-01T00:00:00Z",
        },
    }  # fmt: skip
    event = CloudEvent(id="e", source="task-service", type=TaskCreated.event_type, data=old)
    payload = event.payload()
    assert isinstance(payload, TaskCreated)
    assert payload.task.deadline is None and payload.task.duration_minutes is None
    new = TaskSnapshot.model_validate(
        {**old["task"], "deadline": "2030-02-01", "duration_minutes": 5}
    )
    wrapped = CloudEvent.wrap(TaskCreated(user_id="alice", task=new), source="task-service")
    assert wrapped.data["task"]["deadline"] == "2030-02-01"
    assert wrapped.data["task"]["duration_minutes"] == 5
