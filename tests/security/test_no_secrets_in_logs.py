"""No secret in the logs: a run that logs in with passwords, mints, uses and revokes access
tokens, resets a password and presents forged tokens leaves none of their values in any
log record, at any level, from any logger."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from agent.service import Agent
from backend_services.contracts import AppId
from tests.support.embedded_env import EmbeddedEnv

pytestmark = pytest.mark.anyio


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@pytest.fixture
def all_logs() -> Iterator[Everything]:
    handler = Everything()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


async def test_tokens_and_passwords_never_reach_the_logs(
    env: EmbeddedEnv, all_logs: Everything
) -> None:
    secrets: list[str] = []
    admin_password, user_password, new_password = (
        "admin-Pa55word-7f3c",
        "user-Pa55word-9a1e",
        "reset-Pa55word-c0de",
    )
    secrets += [admin_password, user_password, new_password]
    env.user("root", role="admin", password=admin_password)
    admin_login = await env.client.post(
        "/auth/login", json={"username": "root", "password": admin_password}
    )
    admin_token = admin_login.json()["token"]
    admin = {"authorization": f"Bearer {admin_token}"}
    created = await env.client.post(
        "/admin/users", json={"username": "erin", "password": user_password}, headers=admin
    )
    assert created.status_code == 201
    bad = await env.client.post("/auth/login", json={"username": "erin", "password": "wrong-1"})
    assert bad.status_code == 401
    secrets.append("wrong-1")
    login = await env.client.post(
        "/auth/login", json={"username": "erin", "password": user_password}
    )
    erin_token = login.json()["token"]
    erin = {"authorization": f"Bearer {erin_token}"}
    pat = (await env.client.post("/tokens", json={"name": "ci"}, headers=erin)).json()
    secrets += [admin_token, erin_token, pat["token"]]
    pat_headers = {"authorization": f"Bearer {pat['token']}"}
    assert (await env.client.post("/tasks", json={"title": "t"}, headers=pat_headers)).is_success
    await env.client.delete(f"/tokens/{pat['id']}", headers=erin)
    assert (await env.client.get("/tasks", headers=pat_headers)).status_code == 401
    await env.client.post(
        "/admin/users/erin/password", json={"password": new_password}, headers=admin
    )
    forged = erin_token[:-4] + ("AAAA" if not erin_token.endswith("AAAA") else "BBBB")
    secrets.append(forged)
    assert (
        await env.client.get("/tasks", headers={"authorization": f"Bearer {forged}"})
    ).status_code == 401
    agent = Agent(env.runtime.for_app(AppId.CHAT_UI.value), None)
    async for _ in agent.turn(erin_token, "erin", "c", "add water the plants tomorrow"):
        pass
    await env.client.post("/admin/users/erin/disable", headers=admin)
    assert (await env.client.get("/tasks", headers=erin)).status_code == 401

    assert any("401" in line for line in all_logs.lines)  # the refusals were logged
    for secret in secrets:
        leaked = [line for line in all_logs.lines if secret in line]
        assert not leaked, f"a secret reached the logs: {leaked[:3]}"
