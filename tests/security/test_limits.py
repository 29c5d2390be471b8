"""Limits: per-user REST write rate (429 + Retry-After), body size, field lengths, tags and
reminders per task, chat message length."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agent.events import TurnDone
from agent.service import Agent
from backend_services.contracts import AppId
from backend_services.kernel.task_schemas import MAX_REMINDERS, MAX_TAGS
from backend_services.platform.token_bucket import RateLimiter
from tests.support.embedded_env import EmbeddedEnv, embedded_env, make_settings

pytestmark = pytest.mark.anyio


@pytest.fixture
async def tight_env(tmp_path: Path) -> AsyncIterator[EmbeddedEnv]:
    settings = make_settings(tmp_path, rest_writes_per_minute=3, max_body_bytes=4096)
    async with embedded_env(settings) as running:
        yield running


async def test_rest_writes_are_rate_limited_per_user(tight_env: EmbeddedEnv) -> None:
    env = tight_env
    alice, bob = env.user("alice"), env.user("bob")
    for i in range(3):
        resp = await env.client.post("/tasks", json={"title": f"t{i}"}, headers=alice)
        assert resp.status_code == 201
    limited = await env.client.post("/tasks", json={"title": "one too many"}, headers=alice)
    assert limited.status_code == 429
    assert limited.json()["error"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 20
    task_id = (await env.client.get("/tasks", headers=alice)).json()["items"][0]["id"]
    for method, path in (
        ("PATCH", f"/tasks/{task_id}"),
        ("POST", f"/tasks/{task_id}/complete"),
        ("DELETE", f"/tasks/{task_id}"),
        ("POST", "/tokens"),
        ("PATCH", "/me"),
    ):
        resp = await env.client.request(method, path, json={"name": "x"}, headers=alice)
        assert resp.status_code == 429, (method, path)
    # reads are not limited, and other users have their own budget
    assert (await env.client.get("/tasks", headers=alice)).status_code == 200
    assert (await env.client.post("/tasks", json={"title": "b"}, headers=bob)).status_code == 201


def test_token_bucket_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    assert limiter.hit("u") == 0 and limiter.hit("u") == 0
    assert limiter.hit("u") == pytest.approx(1.0)
    now[0] += 1.0
    assert limiter.hit("u") == 0
    assert limiter.hit("other") == 0


async def test_body_size_limit(tight_env: EmbeddedEnv) -> None:
    alice = tight_env.user("alice")
    big = {"title": "x", "description": "y" * 5000}
    resp = await tight_env.client.post("/tasks", json=big, headers=alice)
    assert resp.status_code == 413 and resp.json()["error"] == "too_large"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"title": "x" * 501}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "ok", "description": "d" * 5001}, "description"),
        ({"title": "ok", "tags": [f"t{i}" for i in range(MAX_TAGS + 1)]}, "tags"),
        ({"title": "ok", "tags": ["two words"]}, "tags"),
        (
            {
                "title": "ok",
                "reminders": [{"at": "2030-01-01T10:00:00Z"}] * (MAX_REMINDERS + 1),
            },
            "reminders",
        ),
    ],
)
async def test_field_limits_are_422_naming_the_field(
    env: EmbeddedEnv, body: dict[str, object], field: str
) -> None:
    resp = await env.client.post("/tasks", json=body, headers=env.user("alice"))
    assert resp.status_code == 422
    assert field in resp.text


async def test_reminders_per_task_limit_on_add(env: EmbeddedEnv) -> None:
    alice = env.user("alice")
    reminders = [{"at": f"2030-01-01T10:{i:02d}:00Z"} for i in range(MAX_REMINDERS)]
    task = (
        await env.client.post("/tasks", json={"title": "r", "reminders": reminders}, headers=alice)
    ).json()
    extra = await env.client.post(
        f"/tasks/{task['id']}/reminders", json={"at": "2030-01-02T10:00:00Z"}, headers=alice
    )
    assert extra.status_code == 422 and "reminders" in extra.text
    too_many_tags = {"tags": [f"t{i}" for i in range(MAX_TAGS + 1)]}
    patched = await env.client.patch(f"/tasks/{task['id']}", json=too_many_tags, headers=alice)
    assert patched.status_code == 422


async def test_chat_message_length_limit(env: EmbeddedEnv) -> None:
    env.user("alice")
    agent = Agent(env.runtime.for_app(AppId.CHAT_UI.value), None, max_chars=100)
    token = env.signer().issue("alice", "user", 600)
    events = [e async for e in agent.turn(token, "alice", "c", "add " + "x" * 200)]
    assert len(events) == 1 and isinstance(events[0], TurnDone)
    assert "too long" in events[0].reply and "100" in events[0].reply
    assert (await env.client.get("/tasks", headers=env.user("alice"))).json()["total"] == 0
