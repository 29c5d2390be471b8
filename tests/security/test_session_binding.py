"""A signed-in session is bound to the account it signed in (its creation time and its
revocation version): a password reset, disabling or deleting the account ends every token
and chat session issued before, and an account created again under the same name (even in
the same second) does not accept the old ones. Checked on the REST tokens /auth/login mints
and on the chat: Chainlit's session cookie over a real socket.io connection."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt
import pytest
import socketio
from sqlmodel import Session, select

from backend_services.platform.db import session_scope
from backend_services.task_service.tasks.models import Task
from backend_services.task_service.users import service as users
from backend_services.task_service.users.deletion import delete_account
from chat_ui.auth import ENDED
from tests.support.chat_socket import chat_login, chat_socket, session_cookie
from tests.support.embedded_env import EmbeddedEnv, make_settings
from tests.support.served import ServedApps, serve_apps

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"


async def login(env: EmbeddedEnv, name: str, password: str = PASSWORD) -> dict[str, str]:
    resp = await env.client.post("/auth/login", json={"username": name, "password": password})
    assert resp.status_code == 200, resp.text
    return {"authorization": f"Bearer {resp.json()['token']}"}


def revoke(engine: object, name: str, how: str) -> None:
    """What an admin (or `todo user ...`) does to the account."""
    with session_scope(engine) as session:  # type: ignore[arg-type]
        if how == "reset":
            users.set_password(session, name, "a brand new password")
        elif how == "disable":
            users.set_disabled(session, name, True)
            users.set_disabled(session, name, False)  # enabled again: old sessions stay dead
        else:  # deleted, and the name taken again
            delete_account(session, name)
            users.create_user(session, name, password=PASSWORD)


@pytest.mark.parametrize("how", ["reset", "disable", "recreate"])
async def test_signed_tokens_end_with_a_reset_a_disable_or_a_deletion(
    db_env: EmbeddedEnv, how: str
) -> None:
    with session_scope(db_env.engine) as session:
        users.create_user(session, "alice", password=PASSWORD)
    old = await login(db_env, "alice")
    assert (await db_env.client.get("/me", headers=old)).status_code == 200
    revoke(db_env.engine, "alice", how)
    refused = await db_env.client.get("/tasks", headers=old)
    assert refused.status_code == 401, refused.text
    password = "a brand new password" if how == "reset" else PASSWORD
    fresh = await login(db_env, "alice", password)
    assert (await db_env.client.get("/tasks", headers=fresh)).status_code == 200


async def test_a_token_of_a_deleted_name_fails_when_it_is_created_again_in_the_same_second(
    env: EmbeddedEnv,
) -> None:
    with session_scope(env.engine) as session:
        users.create_user(session, "alice", password=PASSWORD)
    old = await login(env, "alice")
    iat = jwt.decode(old["authorization"][7:], options={"verify_signature": False})["iat"]
    with session_scope(env.engine) as session:
        delete_account(session, "alice")
        again = users.create_user(session, "alice", password=PASSWORD)
        # created within the second the old token was issued in (what a fast script does)
        again.created_at = datetime.fromtimestamp(iat, UTC) + timedelta(microseconds=900_000)
        session.add(again)
        session.commit()
    refused = await env.client.get("/tasks", headers=old)
    assert refused.status_code == 401, refused.text
    assert (await env.client.get("/tasks", headers=await login(env, "alice"))).status_code == 200


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServedApps]:
    with serve_apps(make_settings(tmp_path), with_ui=True) as running:
        with session_scope(running.env.engine) as session:
            users.create_user(session, "alice", password=PASSWORD)
        yield running


def tasks_titled(engine: object, title: str) -> list[Task]:
    with Session(engine) as session:  # type: ignore[arg-type]
        return list(session.exec(select(Task).where(Task.title == title)))


@pytest.mark.parametrize("how", ["reset", "disable", "recreate"])
async def test_a_chat_session_ends_on_its_next_turn_and_connect(
    served: ServedApps, how: str
) -> None:
    chat_url = served.urls["chat-ui"]
    cookie = session_cookie(await chat_login(chat_url, "alice", PASSWORD))
    async with chat_socket(chat_url, cookie) as chat:
        await chat.send("add buy milk")
        await chat.wait_for("buy milk")
        revoke(served.env.engine, "alice", how)
        # the next turn in the open session: refused, nothing done
        await chat.send("add pay rent")
        await chat.wait_for(ENDED)
    assert tasks_titled(served.env.engine, "pay rent") == []
    # and the cookie cannot open a session again (Chainlit's cookie lives 15 days)
    with pytest.raises(socketio.exceptions.ConnectionError):
        async with chat_socket(chat_url, cookie):
            pass
    # signing in again works
    password = "a brand new password" if how == "reset" else PASSWORD
    fresh = session_cookie(await chat_login(chat_url, "alice", password))
    async with chat_socket(chat_url, fresh) as chat:
        await chat.send("add pay rent")
        await chat.wait_for("pay rent")


PROXY_HEADER = "x-forwarded-user"


async def test_a_session_signed_in_by_the_proxy_header_is_bound_too(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, header_auth_name=PROXY_HEADER)
    with serve_apps(settings, with_ui=True) as served:
        with session_scope(served.env.engine) as session:
            users.create_user(session, "alice", password=PASSWORD)
        chat_url = served.urls["chat-ui"]
        async with httpx.AsyncClient(base_url=chat_url, timeout=60) as http:
            signed = await http.post("/auth/header", headers={PROXY_HEADER: "alice"})
            assert signed.status_code == 200, signed.text
            unknown = await http.post("/auth/header", headers={PROXY_HEADER: "mallory"})
            assert unknown.status_code == 401
        cookie = session_cookie(signed)
        async with chat_socket(chat_url, cookie) as chat:
            await chat.send("add buy milk")
            await chat.wait_for("buy milk")
        revoke(served.env.engine, "alice", "disable")
        with pytest.raises(socketio.exceptions.ConnectionError):
            async with chat_socket(chat_url, cookie):
                pass
