"""The task REST API on SQLite and PostgreSQL: CRUD, search, filters, isolation, validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.embedded_env import EmbeddedEnv

pytestmark = pytest.mark.anyio


async def create(env: EmbeddedEnv, headers: dict[str, str], **body: object) -> dict:
    resp = await env.client.post("/tasks", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


async def test_create_get_update_complete_reopen_delete(db_env: EmbeddedEnv) -> None:
    alice = db_env.user("alice", "Europe/Berlin")
    due = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
    task = await create(
        db_env,
        alice,
        title="  Write   report ",
        tags=["#Work", "work", "Q1"],
        priority="high",
        due_at=due.isoformat(),
        reminders=[{"before_minutes": 30}],
    )
    assert task["title"] == "Write report"
    assert task["tags"] == ["work", "q1"]
    assert task["status"] == "pending"
    assert datetime.fromisoformat(task["reminders"][0]["at"]) == due - timedelta(minutes=30)

    got = (await db_env.client.get(f"/tasks/{task['id']}", headers=alice)).json()
    assert got["id"] == task["id"] and got["priority"] == "high"

    new_due = due + timedelta(days=1)
    patched = (
        await db_env.client.patch(
            f"/tasks/{task['id']}",
            headers=alice,
            json={"due_at": new_due.isoformat(), "title": "Write final report"},
        )
    ).json()
    assert patched["title"] == "Write final report"
    # a relative reminder follows the due time
    assert datetime.fromisoformat(patched["reminders"][0]["at"]) == new_due - timedelta(minutes=30)

    done = (await db_env.client.post(f"/tasks/{task['id']}/complete", headers=alice)).json()
    assert done["status"] == "completed" and done["completed_at"]
    reopened = (await db_env.client.post(f"/tasks/{task['id']}/reopen", headers=alice)).json()
    assert reopened["status"] == "pending" and reopened["completed_at"] is None

    assert (await db_env.client.delete(f"/tasks/{task['id']}", headers=alice)).status_code == 204
    assert (await db_env.client.get(f"/tasks/{task['id']}", headers=alice)).status_code == 404


async def test_search_filter_sort_paginate(db_env: EmbeddedEnv) -> None:
    bob = db_env.user("bob")
    now = datetime.now(UTC)
    await create(
        db_env,
        bob,
        title="buy milk",
        priority="low",
        tags=["shop"],
        due_at=(now - timedelta(days=1)).isoformat(),
    )
    await create(
        db_env,
        bob,
        title="call plumber",
        priority="high",
        description="about the MILK-stained sink",
        due_at=(now + timedelta(days=2)).isoformat(),
    )
    await create(db_env, bob, title="alpha task", priority="medium")
    c = db_env.client

    found = (await c.get("/tasks", params={"q": "milk"}, headers=bob)).json()
    assert {t["title"] for t in found["items"]} == {"buy milk", "call plumber"}
    assert (await c.get("/tasks", params={"tag": "shop"}, headers=bob)).json()["total"] == 1
    assert (await c.get("/tasks", params={"priority": "high"}, headers=bob)).json()["items"][0][
        "title"
    ] == "call plumber"
    overdue = (await c.get("/tasks", params={"overdue": "true"}, headers=bob)).json()
    assert [t["title"] for t in overdue["items"]] == ["buy milk"]
    by_priority = (await c.get("/tasks", params={"sort": "priority"}, headers=bob)).json()
    assert [t["priority"] for t in by_priority["items"]] == ["high", "medium", "low"]
    by_title = (await c.get("/tasks", params={"sort": "-title"}, headers=bob)).json()
    assert [t["title"] for t in by_title["items"]] == ["call plumber", "buy milk", "alpha task"]
    by_due = (await c.get("/tasks", params={"sort": "due"}, headers=bob)).json()
    assert [t["title"] for t in by_due["items"]] == ["buy milk", "call plumber", "alpha task"]
    page = (
        await c.get("/tasks", params={"limit": 2, "offset": 2, "sort": "title"}, headers=bob)
    ).json()
    assert page["total"] == 3 and [t["title"] for t in page["items"]] == ["call plumber"]
    before = (await c.get("/tasks", params={"due_before": now.isoformat()}, headers=bob)).json()
    assert [t["title"] for t in before["items"]] == ["buy milk"]


async def test_another_users_task_is_404_and_unchanged(db_env: EmbeddedEnv) -> None:
    alice, mallory = db_env.user("alice"), db_env.user("mallory")
    task = await create(db_env, alice, title="private plan")
    tid = task["id"]
    c = db_env.client
    attempts = [
        c.get(f"/tasks/{tid}", headers=mallory),
        c.patch(f"/tasks/{tid}", json={"title": "owned"}, headers=mallory),
        c.post(f"/tasks/{tid}/complete", headers=mallory),
        c.post(f"/tasks/{tid}/reopen", headers=mallory),
        c.post(f"/tasks/{tid}/reminders", json={"before_minutes": 5}, headers=mallory),
        c.delete(f"/tasks/{tid}", headers=mallory),
    ]
    for attempt in attempts:
        assert (await attempt).status_code == 404
    assert (await c.get("/tasks", headers=mallory)).json()["total"] == 0
    unchanged = (await c.get(f"/tasks/{tid}", headers=alice)).json()
    assert unchanged["title"] == "private plan" and unchanged["status"] == "pending"
    assert unchanged["updated_at"] == task["updated_at"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 501}, "title"),
        ({"title": "ok", "due_at": "2030-01-01T10:00:00"}, "due_at"),  # no offset
        ({"title": "ok", "due_at": "next tuesday"}, "due_at"),
        ({"title": "ok", "priority": "urgent"}, "priority"),
        ({"title": "ok", "recurrence": "FREQ=SOMETIMES"}, "recurrence"),
        ({"title": "ok", "tags": ["two words"]}, "tags"),
        ({"title": "ok", "tags": [f"t{i}" for i in range(30)]}, "tags"),
    ],
)
async def test_invalid_input_is_422_naming_the_field(
    env: EmbeddedEnv, body: dict, field: str
) -> None:
    alice = env.user("alice")
    resp = await env.client.post("/tasks", json=body, headers=alice)
    assert resp.status_code == 422
    assert field in resp.text
    assert (await env.client.get("/tasks", headers=alice)).json()["total"] == 0


async def test_recurrence_needs_a_first_occurrence(env: EmbeddedEnv) -> None:
    resp = await env.client.post(
        "/tasks", json={"title": "x", "recurrence": "FREQ=DAILY"}, headers=env.user("alice")
    )
    assert resp.status_code == 422 and "due_at" in resp.text


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Basic abc",
        "Bearer not.a.jwt",
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.",
    ],
)
async def test_bad_tokens_are_401(env: EmbeddedEnv, authorization: str | None) -> None:
    headers = {"authorization": authorization} if authorization else {}
    resp = await env.client.get("/tasks", headers=headers)
    assert resp.status_code == 401
    assert resp.json()["error"] == "unauthorized"


async def test_token_signed_with_another_key_or_expired_is_401(env: EmbeddedEnv) -> None:
    from backend_services.platform.auth import TokenSigner

    env.user("alice")
    forged = TokenSigner("k" * 64).issue("alice", "user", 600)
    resp = await env.client.get("/tasks", headers={"authorization": f"Bearer {forged}"})
    assert resp.status_code == 401
    expired = env.signer().issue("alice", "user", -5)
    resp = await env.client.get("/tasks", headers={"authorization": f"Bearer {expired}"})
    assert resp.status_code == 401 and "expired" in resp.text


async def test_disabled_user_is_401(env: EmbeddedEnv) -> None:
    from backend_services.platform.db import session_scope
    from backend_services.task_service.users.service import set_disabled

    headers = env.user("carol")
    assert (await env.client.get("/tasks", headers=headers)).status_code == 200
    with session_scope(env.engine) as session:
        set_disabled(session, "carol")
    assert (await env.client.get("/tasks", headers=headers)).status_code == 401


async def test_huge_body_is_413_and_nothing_created(env: EmbeddedEnv) -> None:
    alice = env.user("alice")
    resp = await env.client.post(
        "/tasks", headers=alice, json={"title": "x", "description": "y" * 200_000}
    )
    assert resp.status_code == 413
    assert (await env.client.get("/tasks", headers=alice)).json()["total"] == 0


async def test_reminders_added_and_removed(db_env: EmbeddedEnv) -> None:
    alice = db_env.user("alice")
    task = await create(db_env, alice, title="dentist")
    at = datetime(2031, 1, 1, 8, tzinfo=UTC)
    with_reminder = (
        await db_env.client.post(
            f"/tasks/{task['id']}/reminders", json={"at": at.isoformat()}, headers=alice
        )
    ).json()
    rid = with_reminder["reminders"][0]["id"]
    relative = await db_env.client.post(
        f"/tasks/{task['id']}/reminders", json={"before_minutes": 10}, headers=alice
    )
    assert relative.status_code == 422  # no due time to count back from
    removed = await db_env.client.delete(f"/tasks/{task['id']}/reminders/{rid}", headers=alice)
    assert removed.status_code == 200 and removed.json()["reminders"] == []
    missing = await db_env.client.delete(f"/tasks/{task['id']}/reminders/{rid}", headers=alice)
    assert missing.status_code == 404


async def test_openapi_documents_the_task_api(env: EmbeddedEnv) -> None:
    spec = (await env.client.get("/openapi.json")).json()
    for path in (
        "/tasks",
        "/tasks/{task_id}",
        "/tasks/{task_id}/complete",
        "/tasks/{task_id}/reopen",
        "/tasks/{task_id}/reminders",
    ):
        assert path in spec["paths"]
