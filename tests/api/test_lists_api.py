"""Lists (projects) in the task API on SQLite and PostgreSQL: the Inbox default, `?list=`,
case-insensitive joining of an existing list, moving a task, `/lists`, isolation."""

from __future__ import annotations

import pytest

from tests.support.embedded_env import EmbeddedEnv

pytestmark = pytest.mark.anyio


async def create(env: EmbeddedEnv, headers: dict[str, str], **body: object) -> dict:
    resp = await env.client.post("/tasks", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


async def titles(env: EmbeddedEnv, headers: dict[str, str], **params: object) -> set[str]:
    resp = await env.client.get("/tasks", params=params, headers=headers)
    assert resp.status_code == 200, resp.text
    return {t["title"] for t in resp.json()["items"]}


async def test_lists_filter_join_move_and_summaries(db_env: EmbeddedEnv) -> None:
    alice, bob = db_env.user("alice"), db_env.user("bob")
    plain = await create(db_env, alice, title="call mom")
    assert plain["list_name"] == "Inbox"
    eggs = await create(db_env, alice, title="eggs", list_name="  Groceries ")
    assert eggs["list_name"] == "Groceries"
    # another spelling of an existing list joins it rather than making a second one
    milk = await create(db_env, alice, title="milk", list_name="groceries")
    assert milk["list_name"] == "Groceries"
    await create(db_env, alice, title="report", list_name="Work")
    await create(db_env, bob, title="bob's eggs", list_name="groceries")

    assert await titles(db_env, alice, list="GROCERIES") == {"eggs", "milk"}
    assert await titles(db_env, alice, list="inbox") == {"call mom"}
    assert await titles(db_env, alice, list="nowhere") == set()

    moved = await db_env.client.patch(
        f"/tasks/{plain['id']}", json={"list_name": "work"}, headers=alice
    )
    assert moved.status_code == 200 and moved.json()["list_name"] == "Work"
    assert await titles(db_env, alice, list="work") == {"call mom", "report"}

    done = await db_env.client.post(f"/tasks/{milk['id']}/complete", headers=alice)
    assert done.status_code == 200
    summary = (await db_env.client.get("/lists", headers=alice)).json()
    # the Inbox first (always there, even when empty), then by name
    assert summary == [
        {"name": "Inbox", "pending": 0, "total": 0},
        {"name": "Groceries", "pending": 1, "total": 2},
        {"name": "Work", "pending": 2, "total": 2},
    ]
    assert [s["name"] for s in (await db_env.client.get("/lists", headers=bob)).json()] == [
        "Inbox",
        "groceries",
    ]


@pytest.mark.parametrize("name", ["   ", "#", "x" * 101])
async def test_a_bad_list_name_is_422_and_nothing_changes(env: EmbeddedEnv, name: str) -> None:
    alice = env.user("alice")
    resp = await env.client.post("/tasks", json={"title": "t", "list_name": name}, headers=alice)
    assert resp.status_code == 422 and "list_name" in resp.text
    task = await create(env, alice, title="kept")
    patched = await env.client.patch(
        f"/tasks/{task['id']}", json={"list_name": name}, headers=alice
    )
    assert patched.status_code == 422
    got = (await env.client.get(f"/tasks/{task['id']}", headers=alice)).json()
    assert got["list_name"] == "Inbox"
    assert await titles(env, alice) == {"kept"}


async def test_count_with_repeat_from_completion_is_refused(env: EmbeddedEnv) -> None:
    alice = env.user("alice")
    body = {
        "title": "water plants",
        "due_at": "2030-01-01T09:00:00+00:00",
        "recurrence": "FREQ=DAILY;INTERVAL=3;COUNT=4",
        "repeat_from_completion": True,
    }
    resp = await env.client.post("/tasks", json=body, headers=alice)
    assert resp.status_code == 422 and "COUNT" in resp.text
    ok = await create(
        env,
        alice,
        **{**body, "recurrence": "FREQ=DAILY;INTERVAL=3;COUNT=4", "repeat_from_completion": False},
    )
    patched = await env.client.patch(
        f"/tasks/{ok['id']}", json={"repeat_from_completion": True}, headers=alice
    )
    assert patched.status_code == 422 and "COUNT" in patched.text
    got = (await env.client.get(f"/tasks/{ok['id']}", headers=alice)).json()
    assert got["repeat_from_completion"] is False
