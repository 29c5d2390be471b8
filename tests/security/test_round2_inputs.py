"""Issue 20, low items on input and routing: `/lists` reached Chainlit through the embedded
gateway, host-dependent time zones were accepted, bidi overrides spoofed titles."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.embedded_env import EmbeddedEnv, embedded_env, make_settings

pytestmark = pytest.mark.anyio


@pytest.fixture
async def ui_env(tmp_path: Path) -> AsyncIterator[EmbeddedEnv]:
    async with embedded_env(make_settings(tmp_path), with_ui=True) as running:
        yield running


async def test_every_public_path_is_routed_to_its_service(ui_env: EmbeddedEnv) -> None:
    """Each path in a backend service's OpenAPI reaches that service through the gateway
    (`/lists` went to Chainlit: an HTML 200 where the docs promise JSON)."""
    for app_id, app in ui_env.gateway.apps.items():
        if app_id == "chat-ui":
            continue
        for path in app.openapi()["paths"]:
            if path in ("/healthz", "/readyz", "/metrics"):
                continue  # every service has them; the gateway answers its own
            concrete = path.replace("{", "x").replace("}", "")
            assert ui_env.gateway.route(concrete) is app, (app_id, path)
    resp = await ui_env.client.get("/lists", headers=ui_env.user("alice"))
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    assert [entry["name"] for entry in resp.json()] == ["Inbox"]


@pytest.mark.parametrize(
    "zone", ["localtime", "Factory", "posixrules", "posix/Europe/Berlin", "right/UTC", "right/"]
)
async def test_zones_that_are_no_place_are_refused(env: EmbeddedEnv, zone: str) -> None:
    alice = env.user("alice")
    resp = await env.client.patch("/me", json={"timezone": zone}, headers=alice)
    assert resp.status_code == 422, resp.text
    assert "time zone" in resp.text
    me = await env.client.get("/me", headers=alice)
    assert me.json()["timezone"] == "UTC"
    ok = await env.client.patch("/me", json={"timezone": "Pacific/Kiritimati"}, headers=alice)
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u202d", "\u2066", "\u2067", "\u2069"])
async def test_bidi_controls_are_refused_in_what_others_read(env: EmbeddedEnv, char: str) -> None:
    alice = env.user("alice")
    spoof = f"pay rent {char}txt.exe"
    for body in (
        {"title": spoof},
        {"title": "ok", "tags": [spoof]},
        {"title": "ok", "description": spoof},
    ):
        resp = await env.client.post("/tasks", json=body, headers=alice)
        assert resp.status_code == 422, (body, resp.text)
        assert "bidirectional control character" in resp.text
    task = (await env.client.post("/tasks", json={"title": "ok"}, headers=alice)).json()
    patched = await env.client.patch(f"/tasks/{task['id']}", json={"title": spoof}, headers=alice)
    assert patched.status_code == 422
    listed = (await env.client.get("/tasks", headers=alice)).json()["items"]
    assert [t["title"] for t in listed] == ["ok"]
    # right-to-left text itself and the plain marks (U+200E/U+200F) are fine
    hebrew = "\u05e9\u05dc\u05d5\u05dd \u200f\u05e2\u05d5\u05dc\u05dd"
    fine = await env.client.post("/tasks", json={"title": hebrew}, headers=alice)
    assert fine.status_code == 201, fine.text


async def test_a_password_may_still_hold_a_bidi_control(env: EmbeddedEnv) -> None:
    """A password is never displayed: one that holds U+202E signs in as before."""
    env.user("carol", password="se\u202ecret-password")
    resp = await env.client.post(
        "/auth/login", json={"username": "carol", "password": "se\u202ecret-password"}
    )
    assert resp.status_code == 200, resp.text
