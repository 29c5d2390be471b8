"""Personal access tokens have scopes: `tasks` (the owner's own data, REST and MCP) and
`admin` (the admin API, for admins, only when asked for). An admin's token is not an admin
by default, a token cannot create tokens (a child would outlive its parent's revocation),
and a bearer header with bytes beyond ASCII is a 401, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend_services.kernel.tokens import PREFIX
from backend_services.platform.db import session_scope
from backend_services.platform.settings import Settings
from backend_services.task_service.users import service as users
from launch.cli import _migrated_engine, main
from tests.support.embedded_env import EmbeddedEnv, embedded_env, make_settings

pytestmark = pytest.mark.anyio

MCP_INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-03-26",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}
MCP_HEADERS = {"accept": "application/json, text/event-stream"}


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def make_pat(env: EmbeddedEnv, auth: dict[str, str], **body: object) -> str:
    resp = await env.client.post("/tokens", json={"name": "t", **body}, headers=auth)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["token"])


@pytest.fixture
async def ui_env(tmp_path: Path) -> AsyncIterator[EmbeddedEnv]:
    async with embedded_env(make_settings(tmp_path), with_ui=True) as running:
        yield running


async def test_a_token_cannot_create_tokens(env: EmbeddedEnv) -> None:
    alice = env.user("alice")
    pat = await make_pat(env, alice)
    child = await env.client.post("/tokens", json={"name": "child"}, headers=bearer(pat))
    assert child.status_code == 403, child.text
    assert "cannot create tokens" in child.json()["detail"]
    listed = (await env.client.get("/tokens", headers=alice)).json()
    assert [t["name"] for t in listed] == ["t"]


async def test_an_admins_token_is_not_an_admin_unless_asked(env: EmbeddedEnv) -> None:
    root = env.user("root", role="admin")
    env.user("alice")
    plain = await make_pat(env, root)
    assert (await env.client.get("/admin/users", headers=bearer(plain))).status_code == 403
    assert (await env.client.delete("/admin/users/alice", headers=bearer(plain))).status_code == 403
    assert (await env.client.get("/tasks", headers=bearer(plain))).status_code == 200

    admin = await make_pat(env, root, scopes=["tasks", "admin"])
    assert (await env.client.get("/admin/users", headers=bearer(admin))).status_code == 200
    listed = (await env.client.get("/tokens", headers=root)).json()
    assert sorted(tuple(t["scopes"]) for t in listed) == [("tasks",), ("tasks", "admin")]

    admin_only = await make_pat(env, root, scopes=["admin"])
    assert (await env.client.get("/admin/users", headers=bearer(admin_only))).status_code == 200
    assert (await env.client.get("/tasks", headers=bearer(admin_only))).status_code == 403


async def test_the_admin_scope_is_for_admins_only(env: EmbeddedEnv) -> None:
    alice = env.user("alice")
    resp = await env.client.post(
        "/tokens", json={"name": "t", "scopes": ["tasks", "admin"]}, headers=alice
    )
    assert resp.status_code == 403, resp.text
    for scopes in ([], ["root"], "admin"):
        bad = await env.client.post("/tokens", json={"name": "t", "scopes": scopes}, headers=alice)
        assert bad.status_code == 422, (scopes, bad.text)


async def test_mcp_needs_the_tasks_scope(ui_env: EmbeddedEnv) -> None:
    root = ui_env.user("root", role="admin")
    tasks_pat = await make_pat(ui_env, root)
    admin_only = await make_pat(ui_env, root, scopes=["admin"])
    ok = await ui_env.client.post(
        "/mcp", json=MCP_INIT, headers={**MCP_HEADERS, **bearer(tasks_pat)}
    )
    assert ok.status_code == 200, ok.text
    refused = await ui_env.client.post(
        "/mcp", json=MCP_INIT, headers={**MCP_HEADERS, **bearer(admin_only)}
    )
    assert refused.status_code == 401, refused.text
    assert "tasks" in refused.json()["message"]


@pytest.mark.parametrize("raw", [b"todo_pat_\xc3\xa9t\xc3\xa9", b"todo_pat_\xff\xfe", b"abc\xff.d"])
async def test_a_bearer_header_with_non_ascii_bytes_is_a_401(
    ui_env: EmbeddedEnv, raw: bytes
) -> None:
    header = [(b"authorization", b"Bearer " + raw)]
    for method, path in (("GET", "/tasks"), ("GET", "/me"), ("POST", "/mcp"), ("GET", "/tokens")):
        resp = await ui_env.client.request(method, path, headers=header)
        assert resp.status_code == 401, (path, resp.status_code, resp.text)


def test_the_cli_gives_the_admin_scope_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TODO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    engine = _migrated_engine(Settings(data_dir=tmp_path))
    try:
        with session_scope(engine) as session:
            users.create_user(session, "root", role="admin")
            users.create_user(session, "alice")
    finally:
        engine.dispose()
    assert main(["pat", "create", "plain", "--user", "root"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(PREFIX) and "(scopes: tasks)" in err
    assert main(["pat", "create", "ops", "--user", "root", "--admin"]) == 0
    assert "(scopes: tasks admin)" in capsys.readouterr().err
    assert main(["pat", "create", "sneaky", "--user", "alice", "--admin"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "admin scope is for admins only" in err
    assert main(["pat", "list", "--user", "root"]) == 0
    listed = capsys.readouterr().out
    assert "\ttasks\t" in listed and "\ttasks,admin\t" in listed
