"""The MCP server of the embedded product (what `todo up` serves at /mcp), driven by the
official `mcp` client (ClientSession over streamable HTTP) against a real HTTP port, with
personal access tokens: the same tools, schemas and per-user authorisation as the chat."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlmodel import Session

from agent.tools import REGISTRY
from backend_services.kernel import tokens
from backend_services.platform.app_support import shared_engine
from backend_services.platform.auth import TokenSigner
from backend_services.platform.db import session_scope
from backend_services.platform.secrets_file import AUTH_SIGNING_KEY, read_local_secret
from backend_services.platform.timeutil import utcnow
from backend_services.task_service.users import service as users
from launch.embedded import create_embedded_app
from tests.support.embedded_env import make_settings
from tests.support.mcp_client import call, connect, payload, status_errors

pytestmark = pytest.mark.anyio


@dataclass
class Served:
    url: str
    settings: Any

    @property
    def mcp(self) -> str:
        return f"{self.url}/mcp"

    def session(self) -> Session:
        return Session(shared_engine(self.settings.resolved_database_url()))

    def pat(self, user: str, expires_in_days: int | None = None) -> tokens.TokenCreated:
        """A personal access token for `user` (created if missing), through the users domain."""
        engine = shared_engine(self.settings.resolved_database_url())
        with session_scope(engine) as session:
            if session.get(users.User, user) is None:
                users.create_user(session, user)
        with Session(engine) as session:
            return tokens.create(
                session, user, tokens.TokenCreate(name="mcp", expires_in_days=expires_in_days)
            )

    def rest(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"}
        return httpx.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The whole embedded product, chat UI and /mcp included, on a real port (uvicorn runs
    the gateway's lifespan, as `todo up` does), in a thread of its own."""
    settings = make_settings(Path(tmp_path_factory.mktemp("mcp")))
    gateway = create_embedded_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(gateway, log_level="warning", log_config=None))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])))
    thread.start()
    try:
        deadline = 120.0
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the embedded app did not start")
            threading.Event().wait(0.05)
            deadline -= 0.05
            if deadline < 0:
                raise RuntimeError("the embedded app did not start in 120 s")
        yield Served(f"http://127.0.0.1:{sock.getsockname()[1]}", settings)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        shared_engine(settings.resolved_database_url()).dispose()


async def assert_refused(url: str, token: str) -> None:
    with pytest.raises(BaseException) as info:  # an ExceptionGroup from anyio
        async with connect(url, token) as session:
            await session.list_tools()
    assert 401 in status_errors(info.value), info.value


# ---------------------------------------------------------------------------------------
async def test_tools_are_the_agents_with_schemas_from_the_pydantic_models(served: Served) -> None:
    pat = served.pat("alice")
    async with connect(served.mcp, pat.token) as session:
        listed = (await session.list_tools()).tools
    assert {t.name for t in listed} == set(REGISTRY)
    for tool in listed:
        assert tool.inputSchema == REGISTRY[tool.name].args.model_json_schema(), tool.name
        assert tool.description
    add = next(t for t in listed if t.name == "add_task")
    assert "title" in add.inputSchema["required"]
    assert "user_id" not in json.dumps([t.inputSchema for t in listed])


async def test_add_list_complete_and_refer(served: Served) -> None:
    pat = served.pat("carol")
    async with connect(served.mcp, pat.token) as session:
        added = payload(await call(session, "add_task", title="buy milk", priority="high"))
        assert added["ok"] is True and added["data"]["title"] == "buy milk"
        task_id = added["data"]["id"]

        listed = payload(await call(session, "list_tasks", status="pending"))
        assert [t["id"] for t in listed["data"]] == [task_id]
        assert "buy milk" in listed["message"]

        done = payload(await call(session, "complete_task", task="the first one"))
        assert done["ok"] is True and done["data"]["status"] == "completed", done

    # it landed where every other client sees it: the REST API, as carol
    row = served.rest("GET", f"/tasks/{task_id}", pat.token).json()
    assert row["status"] == "completed" and row["user_id"] == "carol"


async def test_delete_asks_first_then_deletes_on_the_next_call(served: Served) -> None:
    pat = served.pat("dave")
    async with connect(served.mcp, pat.token) as session:
        task_id = payload(await call(session, "add_task", title="old idea"))["data"]["id"]
        confirmed_at_once = payload(
            await call(session, "delete_task", task=task_id, confirmed=True)
        )
        assert confirmed_at_once.get("needs_confirmation") is True  # nothing was asked before
        assert served.rest("GET", f"/tasks/{task_id}", pat.token).status_code == 200
        gone = payload(await call(session, "delete_task", task=task_id, confirmed=True))
        assert gone["ok"] is True and gone["message"] == "Deleted 'old idea'."
    assert served.rest("GET", f"/tasks/{task_id}", pat.token).status_code == 404


async def test_one_users_token_never_reaches_anothers_tasks(served: Served) -> None:
    alice, bob = served.pat("alice"), served.pat("bob")
    bobs = served.rest("POST", "/tasks", bob.token, json={"title": "bob's secret plan"}).json()
    async with connect(served.mcp, alice.token) as session:
        for name, args in (
            ("complete_task", {"task": bobs["id"]}),
            ("update_task", {"task": bobs["id"], "title": "pwned"}),
            ("delete_task", {"task": bobs["id"], "confirmed": True}),
            ("add_reminder", {"task": bobs["id"], "before_minutes": 5}),
        ):
            result = await call(session, name, **args)
            assert result.isError, (name, result)
            assert payload(result)["message"] == "no such task", name
        by_title = payload(await call(session, "complete_task", task="bob's secret plan"))
        assert by_title["ok"] is False and "no task called" in by_title["message"]
        seen = payload(await call(session, "list_tasks", status="all"))
        assert bobs["id"] not in json.dumps(seen)
        # a user named in the arguments is not a field of any tool: it changes nothing
        mine = payload(await call(session, "add_task", title="note", user_id="bob"))
        assert mine["ok"] is True
    assert served.rest("GET", f"/tasks/{mine['data']['id']}", alice.token).json()["user_id"] == (
        "alice"
    )
    untouched = served.rest("GET", f"/tasks/{bobs['id']}", bob.token).json()
    assert untouched["title"] == "bob's secret plan" and untouched["status"] == "pending"


async def test_missing_unknown_and_non_pat_tokens_are_refused(served: Served) -> None:
    served.pat("erin")
    # a signed sign-in token (browser, `todo token`) works on REST but is not a PAT
    key = read_local_secret(served.settings.data_dir / "secrets.json", AUTH_SIGNING_KEY)
    signed = TokenSigner(key).issue("erin", "user", 600)
    assert served.rest("GET", "/me", signed).status_code == 200
    hello = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    for headers in (
        {},
        {"authorization": "Bearer todo_pat_" + "A" * 43},
        {"authorization": "Bearer not-a-pat"},
        {"authorization": f"Bearer {signed}"},
        {"authorization": "Basic ZXJpbjpwdw=="},
    ):
        resp = httpx.post(served.mcp, json=hello, headers=headers, timeout=30)
        assert resp.status_code == 401, (headers, resp.text)
        assert resp.headers["www-authenticate"].startswith("Bearer")
        assert resp.json()["error"] == "unauthorized"
    await assert_refused(served.mcp, "todo_pat_" + "B" * 43)


async def test_revoked_and_expired_tokens_are_refused(served: Served) -> None:
    revoked, expired = served.pat("frank"), served.pat("frank", expires_in_days=1)
    listed_before_revoking = False
    with pytest.raises(BaseException) as info:  # an ExceptionGroup from anyio
        async with connect(served.mcp, revoked.token) as session:
            listed_before_revoking = payload(await call(session, "list_tasks"))["ok"]
            with served.session() as db:
                tokens.revoke(db, "frank", revoked.id)
            await call(session, "list_tasks")  # refused at once, in the middle of a session
    assert listed_before_revoking is True
    assert 401 in status_errors(info.value), info.value
    await assert_refused(served.mcp, revoked.token)

    async with connect(served.mcp, expired.token) as session:
        assert payload(await call(session, "list_tasks"))["ok"] is True
    with served.session() as db:
        row = db.get(tokens.PersonalToken, expired.id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.add(row)
        db.commit()
    await assert_refused(served.mcp, expired.token)


async def test_invalid_arguments_give_a_clear_tool_error(served: Served) -> None:
    pat = served.pat("gina")
    async with connect(served.mcp, pat.token) as session:
        cases = [
            ("add_task", {}, "invalid arguments - title: Field required"),
            ("add_task", {"title": "x", "priority": "urgent"}, "invalid arguments - priority"),
            ("add_task", {"title": "x", "due_at": "next blursday"}, "not a date-time"),
            ("add_task", {"title": "x", "recurrence": "FREQ=SOMETIMES"}, "invalid arguments"),
            ("set_timezone", {"timezone": "Mars/Olympus"}, "timezone"),
            ("no_such_tool", {}, "unknown tool 'no_such_tool'"),
        ]
        for name, args, expected in cases:
            result = await call(session, name, **args)
            assert result.isError, (name, args)
            assert expected in payload(result)["message"], (name, payload(result))
    assert served.rest("GET", "/tasks", pat.token).json()["total"] == 0


async def test_issue_20_an_admin_pat_cannot_walk_to_the_admin_api(served: Served) -> None:
    """Issue 20, item 1: `remove_reminder(reminder_id="../../../admin/users/<name>")` with an
    admin's personal access token sent DELETE /admin/users/<name> (httpx collapses `..`) and
    purged the account; `reminder_id="../../<own task id>"` deleted a task unconfirmed."""
    engine = shared_engine(served.settings.resolved_database_url())
    with session_scope(engine) as session:
        users.create_user(session, "boss", role="admin")
        users.create_user(session, "target")
    pat = served.pat("boss")
    async with connect(served.mcp, pat.token) as session:
        added = payload(
            await call(session, "add_task", title="has a reminder", remind_at="2031-01-01T09:00")
        )
        task_id = added["data"]["id"]
        walks = [
            "../../../admin/users/target",
            f"../../{task_id}",
            "%2e%2e/%2e%2e/%2e%2e/admin/users/target",
            "x?y=../../../admin/users/target",
        ]
        results = [
            await call(session, "remove_reminder", task=task_id, reminder_id=rid) for rid in walks
        ]
    with served.session() as db:
        assert db.get(users.User, "target") is not None  # not purged
    task = served.rest("GET", f"/tasks/{task_id}", pat.token)
    assert task.status_code == 200 and len(task.json()["reminders"]) == 1  # nor deleted
    for rid, result in zip(walks, results, strict=True):
        assert result.isError, rid
        assert "not a reminder id" in payload(result)["message"], payload(result)
