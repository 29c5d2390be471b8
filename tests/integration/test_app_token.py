"""On the real stack, each app's runtime-only routes answer 401 to anyone but its daprd:
no token, a wrong token, another name's token. daprd itself gets through (it sends the
stack's APP_API_TOKEN): the end-to-end tests in this folder deliver events, jobs and
bindings through it, and the check below proves the token is the only key."""

from __future__ import annotations

import httpx
import pytest

from backend_services.platform.runtime_guard import APP_TOKEN_HEADER
from tests.integration.harness import RealStack

pytestmark = pytest.mark.stack

RUNTIME_ROUTES = {
    "task-service": ["/dapr/subscribe"],
    "reminder-service": ["/events/task", "/job/reminder-x", "/reminder-sweep"],
    "recurring-worker": ["/events/task"],
    "notification-service": ["/events/reminder"],
    "audit-service": ["/events/task", "/events/dead-letters/reminders"],
    "chat-ui": ["/events/notification", "/dapr/subscribe"],
}

FORGED = {
    "specversion": "1.0",
    "id": "forged",
    "source": "x",
    "type": "todo.notification.created.v1",
    "data": {"user_id": "alice", "body": "sign in at https://evil.example"},
}


def test_runtime_routes_refuse_all_but_the_sidecar(stack: RealStack) -> None:
    token = stack.secret("app-api-token")
    for app_id, paths in RUNTIME_ROUTES.items():
        base = stack.app_url(app_id)
        for path in paths:
            for headers in ({}, {APP_TOKEN_HEADER: "wrong"}, {"authorization": f"Bearer {token}"}):
                resp = httpx.post(base + path, json=FORGED, headers=headers, timeout=30)
                assert resp.status_code == 401, (app_id, path, headers)
        listed = httpx.get(base + "/dapr/subscribe", headers={APP_TOKEN_HEADER: token}, timeout=30)
        assert listed.status_code in (200, 404), app_id
        assert httpx.get(base + "/healthz", timeout=30).status_code == 200
