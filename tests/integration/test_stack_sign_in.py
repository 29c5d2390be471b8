"""Sign-in on the real stack: `todo stack up` makes a first account as `todo up` does, and
`todo users` / `todo token` / `todo tasks` reach the stack (`--stack`, or on their own when it
runs). Against the session's real stack (PostgreSQL, daprd, Kafka)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from backend_services.task_service.users.first_account import FIRST_LOGIN_FILE
from devtools.stack.commands import _sign_in_line
from tests.integration.harness import RealStack, bearer

pytestmark = pytest.mark.stack

TODO = Path(sys.executable).with_name("todo")


def _todo(
    stack: RealStack, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`todo` as a user at a shell would run it: no TODO_DATA_DIR / DATABASE_URL, only where
    the stack lives (the default would be <repo>/var/stack)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TODO_", "DATABASE_URL", "OPENAI_"))
    }
    env["TODO_STACK_DIR"] = str(stack.stack.layout.root)
    return subprocess.run(
        [str(TODO), *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def _login(stack: RealStack, username: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{stack.app_url('chat-ui')}/login",
        data={"username": username, "password": password},
        timeout=30,
    )


def test_first_account_is_made_once_and_signs_in(stack: RealStack) -> None:
    root = stack.stack.layout.root
    line = stack.sign_in_line  # the session stack's `up` made the account, before any test
    note = root / FIRST_LOGIN_FILE
    assert "sign in as 'demo'" in line and str(note) in line, line
    assert stat.S_IMODE(note.stat().st_mode) == 0o600
    password = note.read_text().split("password: ")[1].strip()
    assert password in line  # printed once ...
    again = _sign_in_line(root)
    assert password not in again and str(note) in again  # ... and only pointed to after

    assert _login(stack, "demo", password).status_code == 200
    assert _login(stack, "demo", password + "x").status_code == 401


def test_todo_users_and_token_reach_the_running_stack(stack: RealStack) -> None:
    name = f"stackbob{uuid.uuid4().hex[:6]}"
    added = _todo(stack, "users", "add", name, "--password-stdin", stdin="bob-secret-42\n")
    assert added.returncode == 0, added.stderr
    assert "using the local stack" in added.stderr  # found on its own, and says so
    listed = _todo(stack, "users", "list", "--stack")
    assert name in listed.stdout, listed
    assert _login(stack, name, "bob-secret-42").status_code == 200

    token = _todo(stack, "token", "--user", name)
    assert token.returncode == 0, token.stderr
    created = httpx.post(
        f"{stack.app_url('task-service')}/tasks",
        json={
            "title": "made with a stack token",
            "recurrence": "FREQ=WEEKLY;BYDAY=TU",
            "due_at": "2030-01-01T09:30:00+00:00",
        },
        headers=bearer(token.stdout.strip()),
        timeout=30,
    )
    assert created.status_code == 201, created.text
    shown = _todo(stack, "tasks", "--user", name)
    assert "made with a stack token" in shown.stdout and "every Tuesday at 9:30" in shown.stdout


def test_stack_flag_without_a_stack_is_a_clear_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TODO_", "DATABASE_URL"))}
    env["TODO_STACK_DIR"] = str(tmp_path / "nothing-here")
    done = subprocess.run(
        [str(TODO), "users", "list", "--stack"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no running stack" in done.stderr and "todo stack up" in done.stderr
