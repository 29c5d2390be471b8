"""Personal access tokens: shown once, stored hashed, accepted as bearer tokens, revocable."""

from __future__ import annotations

import hashlib

import pytest
from sqlmodel import select

from backend_services.kernel.tokens import PersonalToken
from backend_services.platform.db import session_scope
from backend_services.task_service.users import service as users
from tests.support.embedded_env import EmbeddedEnv

pytestmark = pytest.mark.anyio


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_create_use_list_revoke(db_env: EmbeddedEnv) -> None:
    alice = db_env.user("alice")
    created = await db_env.client.post("/tokens", json={"name": "backup script"}, headers=alice)
    assert created.status_code == 201, created.text
    secret = created.json()["token"]
    assert secret.startswith("todo_pat_") and len(secret) > 40

    mine = await db_env.client.get("/tasks", headers=bearer(secret))
    assert mine.status_code == 200
    made = await db_env.client.post("/tasks", json={"title": "via pat"}, headers=bearer(secret))
    assert made.status_code == 201 and made.json()["user_id"] == "alice"

    listed = (await db_env.client.get("/tokens", headers=alice)).json()
    assert [t["name"] for t in listed] == ["backup script"]
    assert "token" not in listed[0] and secret not in str(listed)
    assert listed[0]["last_used_at"] is not None

    with session_scope(db_env.engine) as session:
        row = session.exec(select(PersonalToken)).one()
        assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in str(row.model_dump())

    revoked = await db_env.client.delete(f"/tokens/{listed[0]['id']}", headers=alice)
    assert revoked.status_code == 204
    assert (await db_env.client.get("/tasks", headers=bearer(secret))).status_code == 401
    assert (await db_env.client.get("/tokens", headers=alice)).json()[0]["revoked"] is True


async def test_pat_works_on_every_service(env: EmbeddedEnv) -> None:
    alice = env.user("alice")
    secret = (await env.client.post("/tokens", json={"name": "n"}, headers=alice)).json()["token"]
    assert (await env.client.get("/notifications", headers=bearer(secret))).status_code == 200
    assert (await env.client.get("/me", headers=bearer(secret))).json()["id"] == "alice"


async def test_tokens_of_others_are_not_found(env: EmbeddedEnv) -> None:
    alice, bob = env.user("alice"), env.user("bob")
    made = (await env.client.post("/tokens", json={"name": "bob's"}, headers=bob)).json()
    assert (await env.client.delete(f"/tokens/{made['id']}", headers=alice)).status_code == 404
    assert (await env.client.get("/tokens", headers=alice)).json() == []
    assert (await env.client.get("/me", headers=bearer(made["token"]))).json()["id"] == "bob"


async def test_unknown_or_forged_pat_is_refused(env: EmbeddedEnv) -> None:
    env.user("alice")
    for fake in ("todo_pat_", "todo_pat_" + "A" * 43, "todo_pat_' OR 1=1 --"):
        assert (await env.client.get("/tasks", headers=bearer(fake))).status_code == 401


async def test_disabled_user_is_refused_for_every_kind_of_token(env: EmbeddedEnv) -> None:
    signed = env.user("carol", role="admin")
    pat = (await env.client.post("/tokens", json={"name": "n"}, headers=signed)).json()["token"]
    with session_scope(env.engine) as session:
        users.set_disabled(session, "carol", True)
    for headers in (signed, bearer(pat)):
        for path in ("/tasks", "/me", "/tokens", "/admin/users", "/notifications", "/audit"):
            resp = await env.client.get(path, headers=headers)
            assert resp.status_code == 401, (path, resp.text)
    with session_scope(env.engine) as session:
        users.set_disabled(session, "carol", False)
    assert (await env.client.get("/tasks", headers=bearer(pat))).status_code == 200


async def test_expired_pat_is_refused(env: EmbeddedEnv) -> None:
    alice = env.user("alice")
    body = {"name": "short", "expires_in_days": 1}
    made = (await env.client.post("/tokens", json=body, headers=alice)).json()
    assert made["expires_at"] is not None
    with session_scope(env.engine) as session:
        row = session.get(PersonalToken, made["id"])
        assert row is not None and row.expires_at is not None
        row.expires_at = row.created_at
        session.add(row)
    assert (await env.client.get("/tasks", headers=bearer(made["token"]))).status_code == 401
