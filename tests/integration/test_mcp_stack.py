"""The MCP server on the real stack: chat-ui serves /mcp; a tool call goes chat-ui -> its
daprd -> task-service's daprd -> task-service -> PostgreSQL, with the caller's personal
access token the whole way (the official `mcp` client, streamable HTTP)."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from backend_services.kernel import tokens
from backend_services.platform.db import session_scope
from tests.integration.harness import RealStack, wait_for
from tests.support.mcp_client import call, connect, payload

pytestmark = pytest.mark.stack

ACCEPT = "application/json, text/event-stream"


def test_mcp_add_task_through_the_stack_lands_in_postgresql(stack: RealStack) -> None:
    user_id, _ = stack.new_user("mcp")
    with session_scope(stack.engine) as session:
        pat = tokens.create(session, user_id, tokens.TokenCreate(name="stack test"))
    url = f"{stack.app_url('chat-ui')}/mcp"
    title = f"mcp probe {uuid.uuid4().hex[:8]}"

    def answers() -> bool:
        # right after `up` on a loaded machine, daprd's name resolution may not list
        # task-service yet: /mcp then says 503 (task service unavailable) until it does
        resp = httpx.post(
            url,
            json={"jsonrpc": "2.0", "id": 0, "method": "tools/list"},
            headers={"authorization": f"Bearer {pat.token}", "accept": ACCEPT},
            timeout=30,
        )
        assert resp.status_code in (200, 503), resp.text
        return resp.status_code == 200

    wait_for(answers, "/mcp to reach task-service", timeout=180, interval=1)

    async def run() -> tuple[dict[str, object], dict[str, object], set[str]]:
        async with connect(url, pat.token) as session:
            names = {t.name for t in (await session.list_tools()).tools}
            added = payload(await call(session, "add_task", title=title, tags=["mcp"]))
            listed = payload(await call(session, "list_tasks", tag="mcp"))
        return added, listed, names

    added, listed, names = asyncio.run(run())
    assert {"add_task", "list_tasks", "complete_task"} <= names
    assert added["ok"] is True, added
    task_id = added["data"]["id"]  # type: ignore[index]
    assert [t["id"] for t in listed["data"]] == [task_id]  # type: ignore[attr-defined]
    rows = stack.sql("SELECT user_id, title FROM tasks WHERE id = :id", id=task_id)
    assert [tuple(r) for r in rows] == [(user_id, title)]

    refused = httpx.post(
        url,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"authorization": "Bearer todo_pat_" + "A" * 43},
        timeout=30,
    )
    assert refused.status_code == 401
