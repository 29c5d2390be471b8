"""Bad tokens are refused with 401 and a log line; service identities do only their job."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

import jwt
import pytest

from backend_services.platform.auth import ALGORITHM, ISSUER, TokenSigner
from backend_services.platform.timeutil import utcnow
from tests.support.embedded_env import EmbeddedEnv

pytestmark = pytest.mark.anyio

SERVICE_PATHS = ["/tasks", "/me", "/tokens", "/notifications", "/admin/users"]


def other_key_token(subject: str = "alice") -> str:
    return TokenSigner(secrets.token_urlsafe(48)).issue(subject, "user", 600)


def claims_token(env: EmbeddedEnv, **claims: object) -> str:
    key = env.signer()._key
    now = utcnow()
    base = {"iss": ISSUER, "sub": "alice", "role": "user", "iat": now}
    return jwt.encode({**base, **claims}, key, algorithm=ALGORITHM)


@pytest.mark.parametrize(
    "kind",
    [
        "missing",
        "not-bearer",
        "empty",
        "garbage",
        "other-key",
        "expired",
        "no-exp",
        "wrong-issuer",
        "bad-role",
        "alg-none",
        "unknown-user",
    ],
)
async def test_bad_tokens_are_401_and_logged(
    env: EmbeddedEnv, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    env.user("alice")
    past = utcnow() - timedelta(minutes=5)
    tokens = {
        "garbage": "not.a.jwt",
        "other-key": other_key_token(),
        "expired": claims_token(env, exp=past),
        "no-exp": claims_token(env),
        "wrong-issuer": claims_token(env, iss="evil", exp=utcnow() + timedelta(minutes=5)),
        "bad-role": claims_token(env, role="root", exp=utcnow() + timedelta(minutes=5)),
        "alg-none": jwt.encode(
            {"iss": ISSUER, "sub": "alice", "role": "admin", "exp": utcnow() + timedelta(hours=1)},
            None,
            algorithm="none",
        ),
        "unknown-user": env.signer().issue("mallory", "admin", 600),
    }
    headers = {
        "missing": {},
        "not-bearer": {"authorization": "Basic YWxpY2U6cHc="},
        "empty": {"authorization": "Bearer "},
    }.get(kind, {"authorization": f"Bearer {tokens.get(kind)}"})
    caplog.set_level(logging.WARNING, logger="todo.auth")
    for path in ("/tasks", "/notifications", "/audit", "/admin/users"):
        resp = await env.client.get(path, headers=headers)
        assert resp.status_code == 401, (path, resp.text)
        assert resp.json()["error"] == "unauthorized"
    logged = [r.getMessage() for r in caplog.records if r.name == "todo.auth"]
    assert len(logged) == 4 and all(m.startswith("401 GET /") for m in logged)


async def test_a_user_token_claiming_admin_gets_the_database_role(env: EmbeddedEnv) -> None:
    env.user("alice")
    forged_role = env.signer().issue("alice", "admin", 600)  # signed, but alice is no admin
    resp = await env.client.get("/admin/users", headers={"authorization": f"Bearer {forged_role}"})
    assert resp.status_code == 403


@pytest.mark.parametrize("app_id", ["recurring-worker", "reminder-service", "chat-ui"])
async def test_service_tokens_have_no_user(env: EmbeddedEnv, app_id: str) -> None:
    token = env.signer().issue_service(app_id)
    headers = {"authorization": f"Bearer {token}"}
    for path in SERVICE_PATHS:
        resp = await env.client.get(path, headers=headers)
        assert resp.status_code in (401, 403), (path, resp.status_code)
    post = await env.client.post("/tasks", json={"title": "x"}, headers=headers)
    assert post.status_code == 401


async def test_only_the_recurring_worker_may_spawn_occurrences(env: EmbeddedEnv) -> None:
    alice = env.user("alice")
    task = (
        await env.client.post(
            "/tasks",
            json={"title": "daily", "due_at": "2030-01-01T09:00:00Z", "recurrence": "FREQ=DAILY"},
            headers=alice,
        )
    ).json()
    path = f"/internal/tasks/{task['id']}/next-occurrence"
    for who in ("reminder-service", "notification-service", "chat-ui"):
        token = env.signer().issue_service(who)
        resp = await env.client.post(path, headers={"authorization": f"Bearer {token}"})
        assert resp.status_code == 403
    assert (await env.client.post(path, headers=alice)).status_code == 403
    worker = env.signer().issue_service("recurring-worker")
    ok = await env.client.post(path, headers={"authorization": f"Bearer {worker}"})
    assert ok.status_code == 200 and ok.json()["due_at"].startswith("2030-01-02")


async def test_only_the_notification_service_may_read_time_zones(env: EmbeddedEnv) -> None:
    """task-service answers users' time zones to notification-service alone (it reads no
    user table of its own)."""
    alice = env.user("alice")
    await env.client.patch("/me", json={"timezone": "Europe/Berlin"}, headers=alice)
    path, body = "/internal/users/zones", {"user_ids": ["alice", "nobody"]}
    for who in ("reminder-service", "recurring-worker", "chat-ui"):
        token = env.signer().issue_service(who)
        resp = await env.client.post(path, json=body, headers={"authorization": f"Bearer {token}"})
        assert resp.status_code == 403
    assert (await env.client.post(path, json=body, headers=alice)).status_code == 403
    notifier = env.signer().issue_service("notification-service")
    ok = await env.client.post(path, json=body, headers={"authorization": f"Bearer {notifier}"})
    assert ok.status_code == 200 and ok.json() == {"zones": {"alice": "Europe/Berlin"}}
