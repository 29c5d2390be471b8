"""`todo oauth list|revoke`: a user's connected apps, listed without secrets and revoked
for good (their tokens stop working); another user's grant id is refused."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from backend_services.platform.db import make_engine, session_scope
from backend_services.platform.errors import Unauthorized
from backend_services.platform.settings import Settings
from backend_services.task_service.users import oauth
from backend_services.task_service.users import service as users
from launch.cli import _migrated_engine, main
from tests.security.test_pat_cli import todo


def grant_for(data_dir: Path, name: str) -> tuple[str, str]:
    """A user with one connected app: (grant id, its access token)."""
    engine = _migrated_engine(Settings(data_dir=data_dir))
    try:
        with session_scope(engine) as session:
            users.create_user(session, name)
        verifier = "v" * 43
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        with Session(engine) as session:
            code = oauth.issue_code(
                session,
                name,
                oauth.CodeRequest(
                    "todo_client_x",
                    "Desk app",
                    "http://localhost/cb",
                    challenge,
                    ["tasks:read"],
                    "http://127.0.0.1:8000/mcp",
                ),
            )
            answer = oauth.exchange_code(
                session,
                client_id="todo_client_x",
                code=code,
                verifier=verifier,
                redirect_uri="http://localhost/cb",
                resource=None,
                access_ttl=timedelta(minutes=15),
            )
            info = oauth.access_info(session, answer.access_token)
            return info.grant_id, answer.access_token
    finally:
        engine.dispose()


def test_list_and_revoke(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TODO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    grant_id, access = grant_for(tmp_path, "alice")
    grant_for(tmp_path, "bob")

    code, out, err = todo(capsys, "oauth", "list", "--user", "alice")
    assert code == 0, err
    assert grant_id in out and "Desk app" in out and "tasks:read" in out and "live" in out
    assert access not in out

    assert todo(capsys, "oauth", "revoke", grant_id, "--user", "bob")[0] == 1  # not bob's
    code, out, _ = todo(capsys, "oauth", "revoke", grant_id, "--user", "alice")
    assert code == 0 and "revoked" in out
    assert "revoked" in todo(capsys, "oauth", "list", "--user", "alice")[1]

    engine = make_engine(Settings(data_dir=tmp_path).resolved_database_url())
    try:
        with Session(engine) as session, pytest.raises(Unauthorized):
            oauth.access_info(session, access)
    finally:
        engine.dispose()
    assert main(["oauth", "list", "--user", "nobody"]) == 1
