"""A deleted account leaves nothing to the next account of the same name: tasks, reminders,
tokens, notifications and chat history go; tokens minted before the new account are refused.

task-service purges what it owns at once; notification-service and chat-ui purge theirs on
the `UserDeleted` event (each service owns its tables)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from backend_services.notification_service.models import Notification
from backend_services.platform.auth import ALGORITHM, ISSUER
from backend_services.platform.embedded_tables import EmbeddedJob
from backend_services.platform.secrets_file import AUTH_SIGNING_KEY, read_local_secret
from launch import cli
from tests.support.embedded_env import EmbeddedEnv, embedded_env, eventually, make_settings

pytestmark = pytest.mark.anyio


def minted(env: EmbeddedEnv, user: str, seconds_ago: int) -> dict[str, str]:
    """A user token signed `seconds_ago` (the account it was minted for is older)."""
    key = read_local_secret(env.settings.resolved_secrets_file(), AUTH_SIGNING_KEY)
    iat = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    claims = {
        "iss": ISSUER,
        "sub": user,
        "role": "user",
        "iat": iat,
        "exp": iat + timedelta(hours=1),
    }
    return {"authorization": f"Bearer {jwt.encode(claims, key, algorithm=ALGORITHM)}"}


async def test_deleting_a_user_revokes_and_purges(tmp_path: Path, database_url: str | None) -> None:
    # with the chat UI: chat-ui purges the chat history on UserDeleted
    async with embedded_env(make_settings(tmp_path, database_url), with_ui=True) as env:
        await deleting_a_user_revokes_and_purges(env)


async def deleting_a_user_revokes_and_purges(env: EmbeddedEnv) -> None:
    admin = env.user("root", role="admin")
    alice = env.user("alice")
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    for title in ("dentist", "rent"):
        body = {"title": title, "due_at": due, "reminders": [{"before_minutes": 30}]}
        assert (await env.client.post("/tasks", json=body, headers=alice)).status_code == 201
    pat = (await env.client.post("/tokens", json={"name": "script"}, headers=alice)).json()
    pat_auth = {"authorization": f"Bearer {pat['token']}"}
    with Session(env.engine) as session:  # a chat thread of alice's (Chainlit's tables)
        uid, tid = str(uuid.uuid4()), str(uuid.uuid4())
        session.execute(
            text("INSERT INTO users (id, identifier, metadata) VALUES (:u, 'alice', '{}')"),
            {"u": uid},
        )
        session.execute(
            text('INSERT INTO threads (id, "userId", "userIdentifier") VALUES (:t, :u, \'alice\')'),
            {"t": tid, "u": uid},
        )
        # and a notification of hers (notification-service's table)
        session.add(Notification(user_id="alice", source_event_id="e-1", title="t", body="b"))
        session.commit()

    async def two_jobs() -> bool:
        with Session(env.engine) as session:
            return len(list(session.exec(select(EmbeddedJob)))) == 2

    await eventually(two_jobs, what="two reminder jobs")
    old_token = minted(env, "alice", seconds_ago=30)

    resp = await env.client.delete("/admin/users/alice", headers=admin)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"tasks": 2, "tokens": 1}

    for headers in (alice, pat_auth, old_token):
        assert (await env.client.get("/tasks", headers=headers)).status_code == 401

    async def no_jobs() -> bool:
        with Session(env.engine) as session:
            return list(session.exec(select(EmbeddedJob))) == []

    await eventually(no_jobs, what="the deleted tasks' reminder jobs cancelled")

    fresh = env.user("alice")  # the same name, a new account
    page = (await env.client.get("/tasks", headers=fresh)).json()
    assert page["items"] == [] and page["total"] == 0
    assert (await env.client.get("/tokens", headers=fresh)).json() == []
    assert (await env.client.get("/tasks", headers=old_token)).status_code == 401
    assert (await env.client.get("/tasks", headers=pat_auth)).status_code == 401

    async def history_and_notifications_gone() -> bool:
        with Session(env.engine) as session:
            threads = session.execute(text("SELECT count(*) FROM threads")).scalar()
            notes = session.exec(select(Notification)).all()
            return threads == 0 and notes == []

    await eventually(history_and_notifications_gone, what="UserDeleted consumed by every service")
    assert (await env.client.get("/notifications", headers=fresh)).json() == []

    assert (await env.client.delete("/admin/users/nobody", headers=admin)).status_code == 404
    assert (await env.client.delete("/admin/users/root", headers=admin)).status_code == 409
    assert (await env.client.delete("/admin/users/root", headers=fresh)).status_code == 403


def test_the_cli_deletes_and_purges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TODO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert cli.main(["token", "--user", "carol"]) == 0  # creates carol
    capsys.readouterr()
    assert cli.main(["users", "delete", "carol"]) == 0
    assert "deleted carol (0 tasks, 0 tokens)" in capsys.readouterr().out
    assert cli.main(["users", "delete", "carol"]) == 1  # gone: a clear error, exit 1
