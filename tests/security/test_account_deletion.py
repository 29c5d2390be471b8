"""A deleted account leaves nothing to the next account of the same name: tasks, reminders,
tokens, notifications and chat history go; tokens minted before the new account are refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from backend_services import cli
from backend_services.platform.auth import ALGORITHM, ISSUER
from backend_services.platform.embedded_tables import EmbeddedJob
from backend_services.platform.secrets_file import AUTH_SIGNING_KEY, read_local_secret
from tests.support.embedded_env import EmbeddedEnv, eventually

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


async def test_deleting_a_user_revokes_and_purges(db_env: EmbeddedEnv) -> None:
    env = db_env
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
        session.commit()

    async def two_jobs() -> bool:
        with Session(env.engine) as session:
            return len(list(session.exec(select(EmbeddedJob)))) == 2

    await eventually(two_jobs, what="two reminder jobs")
    old_token = minted(env, "alice", seconds_ago=30)

    resp = await env.client.delete("/admin/users/alice", headers=admin)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"tasks": 2, "tokens": 1, "notifications": 0}

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
    with Session(env.engine) as session:
        assert session.execute(text("SELECT count(*) FROM threads")).scalar() == 0

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
    assert "deleted carol (0 tasks, 0 tokens, 0 notifications)" in capsys.readouterr().out
    assert cli.main(["users", "delete", "carol"]) == 1  # gone: a clear error, exit 1
