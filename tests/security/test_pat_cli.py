"""`todo pat create|list|revoke`: the secret printed once on stdout, hashed at rest, listed
without secrets, revoked for good; unknown users and other users' token ids are refused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlmodel import Session, select

from backend_services.kernel.tokens import PREFIX, PersonalToken, owner_of
from backend_services.platform.db import make_engine, session_scope
from backend_services.platform.errors import Unauthorized
from backend_services.platform.settings import Settings
from backend_services.task_service.users import service as users
from launch.cli import _migrated_engine, main


def add_user(data_dir: Path, name: str) -> None:
    engine = _migrated_engine(Settings(data_dir=data_dir))
    try:
        with session_scope(engine) as session:
            users.create_user(session, name)
    finally:
        engine.dispose()


def todo(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_list_revoke(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TODO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    add_user(tmp_path, "alice")
    code, out, err = todo(capsys, "pat", "create", "laptop IDE", "--user", "alice")
    assert code == 0, err
    secret = out.strip()
    assert secret.startswith(PREFIX) and "\n" not in secret
    assert "laptop IDE" in err and secret not in err

    engine = make_engine(Settings(data_dir=tmp_path).resolved_database_url())
    try:
        with Session(engine) as session:
            row = session.exec(select(PersonalToken)).one()
            assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
            assert secret not in str(row.model_dump())
            assert owner_of(session, secret)[0] == "alice"

        code, out, _ = todo(capsys, "pat", "list", "--user", "alice")
        assert code == 0 and row.id in out and "laptop IDE" in out and "live" in out
        assert secret not in out

        assert todo(capsys, "pat", "revoke", row.id, "--user", "bob")[0] == 1  # not bob's
        code, out, _ = todo(capsys, "pat", "revoke", row.id, "--user", "alice")
        assert code == 0 and f"revoked {row.id}" in out
        assert "revoked" in todo(capsys, "pat", "list", "--user", "alice")[1]
        with Session(engine) as session, pytest.raises(Unauthorized, match="unknown or revoked"):
            owner_of(session, secret)
    finally:
        engine.dispose()


def test_refuses_unknown_users_and_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TODO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    code, out, err = todo(capsys, "pat", "create", "x", "--user", "nobody")
    assert code == 1 and out == "" and "no user 'nobody'" in err
    add_user(tmp_path, "alice")
    code, out, err = todo(capsys, "pat", "create", "x", "--user", "alice", "--expires-in-days", "0")
    assert code == 2 and out == "" and "expires_in_days" in err
    code, out, err = todo(capsys, "pat", "create", "bad\x00name", "--user", "alice")
    assert code == 2 and out == "" and "name" in err
    assert todo(capsys, "pat", "list", "--user", "alice")[1] == ""
