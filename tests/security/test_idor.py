"""IDOR: every endpoint that takes an id, called by alice with bob's ids, is a 404 and
changes nothing. New endpoints with path ids must be added here (the test enumerates the
OpenAPI of every service and fails on one it does not know)."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

from backend_services.notification_service.models import Notification
from backend_services.platform.db import session_scope
from backend_services.task_service.users import oauth
from launch.services import BACKEND_SERVICES
from tests.support.embedded_env import EmbeddedEnv

pytestmark = pytest.mark.anyio

# (method, path template) -> JSON body alice sends; admin paths are for admins by design
PROBES: dict[tuple[str, str], Any] = {
    ("get", "/tasks/{task_id}"): None,
    ("patch", "/tasks/{task_id}"): {"title": "pwned", "priority": "high"},
    ("delete", "/tasks/{task_id}"): None,
    ("post", "/tasks/{task_id}/complete"): None,
    ("post", "/tasks/{task_id}/reopen"): None,
    ("post", "/tasks/{task_id}/reminders"): {"at": "2031-01-01T00:00:00Z"},
    ("delete", "/tasks/{task_id}/reminders/{reminder_id}"): None,
    ("delete", "/tokens/{token_id}"): None,
    ("delete", "/me/oauth-grants/{grant_id}"): None,
    ("post", "/notifications/{notification_id}/{action}"): None,
}

# operations on ids that are not any user's: admins only, users get 403
ADMIN_ONLY = {
    ("post", "/dead-letters/{letter_id}/replay"),
    ("post", "/dead-letters/{letter_id}/discard"),
}

# a path parameter that is the authority itself (a capability URL, no session): nothing to
# probe with another user's session; tests/api/test_calendar_feed.py checks that a rotated or
# unknown secret is a 404 and that a feed shows only its owner's tasks
CAPABILITY_URLS = {("get", "/calendar/{secret}.ics")}


def id_operations(env: EmbeddedEnv) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for app_id in BACKEND_SERVICES:
        schema = env.gateway.apps[app_id].openapi()
        for path, ops in schema["paths"].items():
            if "{" in path and not path.startswith("/admin"):
                found |= {(method, path) for method in ops}
    return found


async def bob_world(env: EmbeddedEnv) -> dict[str, str]:
    bob = env.user("bob")
    task = (
        await env.client.post(
            "/tasks",
            json={"title": "bob only", "reminders": [{"at": "2030-01-01T09:00:00Z"}]},
            headers=bob,
        )
    ).json()
    token = (await env.client.post("/tokens", json={"name": "bob's"}, headers=bob)).json()
    with session_scope(env.engine) as session:
        note = Notification(
            user_id="bob", source_event_id=str(uuid.uuid4()), title="bob only", body="b"
        )
        session.add(note)
        session.flush()
        note_id = note.id
    return {
        "task_id": task["id"],
        "reminder_id": task["reminders"][0]["id"],
        "token_id": token["id"],
        "grant_id": oauth_grant(env, "bob"),
        "notification_id": note_id,
    }


def oauth_grant(env: EmbeddedEnv, user: str) -> str:
    """An app `user` connected to MCP with OAuth: its grant id."""
    verifier = "v" * 43
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    request = oauth.CodeRequest(
        "todo_client_x", "bob's app", "http://localhost/cb", challenge, ["tasks:read"], "x"
    )
    with Session(env.engine) as session:
        code = oauth.issue_code(session, user, request)
        answer = oauth.exchange_code(
            session,
            client_id="todo_client_x",
            code=code,
            verifier=verifier,
            redirect_uri="http://localhost/cb",
            resource=None,
            access_ttl=timedelta(minutes=5),
        )
        return oauth.access_info(session, answer.access_token).grant_id


async def bob_snapshot(env: EmbeddedEnv, ids: dict[str, str]) -> str:
    bob = env.user("bob")
    parts = [
        (await env.client.get(f"/tasks/{ids['task_id']}", headers=bob)).json(),
        (await env.client.get("/tokens", headers=bob)).json(),
        (await env.client.get("/me/oauth-grants", headers=bob)).json(),
        (await env.client.get("/notifications", headers=bob)).json(),
    ]
    return json.dumps(parts, sort_keys=True)


async def test_every_id_endpoint_is_covered(env: EmbeddedEnv) -> None:
    found = id_operations(env)
    assert found == set(PROBES) | ADMIN_ONLY | CAPABILITY_URLS


@pytest.mark.parametrize("action", ["ack", "delivered"])
async def test_other_users_ids_are_404_and_change_nothing(db_env: EmbeddedEnv, action: str) -> None:
    env = db_env
    ids = await bob_world(env)
    alice = env.user("alice")
    mine = (await env.client.post("/tasks", json={"title": "alice's"}, headers=alice)).json()
    before = await bob_snapshot(env, ids)
    for (method, template), body in PROBES.items():
        path = template.format(**ids, action=action)
        resp = await env.client.request(method, path, headers=alice, json=body)
        assert resp.status_code == 404, (method, path, resp.text)
        assert "bob only" not in resp.text
    for method, template in ADMIN_ONLY:
        resp = await env.client.request(method, template.format(letter_id=1), headers=alice)
        assert resp.status_code == 403
    # bob's reminder id on alice's own task
    cross = f"/tasks/{mine['id']}/reminders/{ids['reminder_id']}"
    assert (await env.client.delete(cross, headers=alice)).status_code == 404
    assert await bob_snapshot(env, ids) == before
    listed = (await env.client.get("/tasks", headers=alice)).json()
    assert [t["title"] for t in listed["items"]] == ["alice's"]
