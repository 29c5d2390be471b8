"""Issue 20, low items on input and routing: `/lists` reached Chainlit through the embedded
gateway, host-dependent time zones were accepted, bidi overrides spoofed titles."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_services.contracts import AppId
from launch.embedded import create_embedded_app
from tests.support.embedded_env import EmbeddedEnv, make_settings


def test_every_public_path_is_routed_to_its_service(tmp_path: Path) -> None:
    """Each path in a backend service's OpenAPI reaches that service through the gateway of
    `todo up` (`/lists` went to Chainlit: an HTML 200 where the docs promise JSON)."""
    gateway = create_embedded_app(make_settings(tmp_path), with_ui=True)
    assert gateway.ui is not None
    for app_id, app in gateway.apps.items():
        if app_id == AppId.CHAT_UI.value:
            continue
        for path in app.openapi()["paths"]:
            if path in ("/healthz", "/readyz", "/metrics"):
                continue  # every service has them; the gateway answers its own
            concrete = path.replace("{", "x").replace("}", "")
            assert gateway.route(concrete) is app, (app_id, path)


@pytest.mark.anyio
async def test_lists_answers_json(env: EmbeddedEnv) -> None:
    resp = await env.client.get("/lists", headers=env.user("alice"))
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    assert [entry["name"] for entry in resp.json()] == ["Inbox"]


@pytest.mark.anyio
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


@pytest.mark.anyio
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


@pytest.mark.anyio
async def test_a_password_may_still_hold_a_bidi_control(env: EmbeddedEnv) -> None:
    """A password is never displayed: one that holds U+202E signs in as before."""
    env.user("carol", password="se\u202ecret-password")
    resp = await env.client.post(
        "/auth/login", json={"username": "carol", "password": "se\u202ecret-password"}
    )
    assert resp.status_code == 200, resp.text
