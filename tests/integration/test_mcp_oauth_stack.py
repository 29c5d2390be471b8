"""MCP sign-in with OAuth on the real stack: chat-ui serves the metadata, the consent page and
the token endpoint and reaches task-service's grants through its daprd (service invocation);
the official `mcp` client's OAuth flow, then a tool call that lands in PostgreSQL and a
revocation that ends the token."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from backend_services.contracts import AppId
from backend_services.platform.db import new_session
from backend_services.task_service.users.service import create_user
from tests.integration.harness import RealStack, wait_for
from tests.support.mcp_client import call, payload
from tests.support.mcp_oauth import PASSWORD, Memory, oauth_session

pytestmark = pytest.mark.stack


def test_the_official_client_signs_in_with_oauth_through_the_stack(stack: RealStack) -> None:
    name = f"oauth{uuid.uuid4().hex[:10]}"
    with new_session(stack.engine) as session:
        create_user(session, name, password=PASSWORD)
    base = stack.app_url("chat-ui")
    url = f"{base}/mcp"
    title = f"oauth probe {uuid.uuid4().hex[:8]}"

    def registers() -> bool:
        # right after `up` daprd's name resolution may not list task-service yet (503)
        resp = httpx.post(
            f"{base}/oauth/register",
            json={"client_name": "probe", "redirect_uris": ["http://localhost:1/cb"]},
            timeout=30,
        )
        assert resp.status_code in (201, 503), resp.text
        return resp.status_code == 201

    wait_for(registers, "/oauth/register to reach task-service", timeout=180, interval=1)
    memory = Memory()

    async def run() -> dict[str, object]:
        async with oauth_session(url, name, memory=memory) as (session, _):
            return payload(await call(session, "add_task", title=title))

    added = asyncio.run(run())
    assert added["ok"] is True, added
    task_id = added["data"]["id"]  # type: ignore[index]
    rows = stack.sql("SELECT user_id, title FROM tasks WHERE id = :id", id=task_id)
    assert [tuple(r) for r in rows] == [(name, title)]
    grants = stack.sql(
        "SELECT id, client_name, scopes FROM oauth_grants WHERE user_id = :u", u=name
    )
    assert [(r[1], r[2]) for r in grants] == [("Test IDE", "tasks:read tasks:write")]
    assert memory.tokens is not None
    stored = stack.sql("SELECT token_hash FROM oauth_tokens WHERE grant_id = :g", g=grants[0][0])
    assert memory.tokens.access_token not in {r[0] for r in stored}  # hashes only

    # the account disconnects the app through the REST API (task-service)
    me = {"authorization": f"Bearer {stack.signer().issue(name, 'user', 600)}"}
    api = stack.app_url(AppId.TASKS.value)
    listed = httpx.get(f"{api}/me/oauth-grants", headers=me, timeout=30).json()
    assert [g["id"] for g in listed] == [grants[0][0]]
    gone = httpx.delete(f"{api}/me/oauth-grants/{grants[0][0]}", headers=me, timeout=30)
    assert gone.status_code == 204, gone.text
    refused = httpx.post(
        url,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"authorization": f"Bearer {memory.tokens.access_token}"},
        timeout=30,
    )
    assert refused.status_code == 401
    assert "resource_metadata=" in refused.headers["www-authenticate"]
