"""Approval gates on the real stack: a delete the agent proposes waits in its approval
workflow (the record in PostgreSQL through daprd's state store, the timeout in the Dapr
scheduler), and stays answerable after chat-ui's process and its sidecar are killed and
started again: the card's Approve button then deletes the task, once."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from backend_services.platform.db import new_session
from backend_services.task_service.users.service import create_user
from tests.integration.harness import RealStack, client, wait_for
from tests.support.chat_socket import chat_login, chat_socket, session_cookie
from tests.support.embedded_env import eventually

pytestmark = [pytest.mark.stack, pytest.mark.anyio]

PASSWORD = "approval-secret-42"


def _approvals_of(stack: RealStack, user_id: str) -> list[tuple[str, dict[str, Any]]]:
    rows = stack.sql(
        "select key, value from dapr_state where key like 'chat-ui||approval:%' "
        "and value->>'owner' = :owner",
        owner=user_id,
    )
    return [
        (key.split("approval:", 1)[1], value if isinstance(value, dict) else json.loads(value))
        for key, value in rows
    ]


async def test_approve_after_chat_ui_and_its_sidecar_restart(stack: RealStack) -> None:
    name = f"approver{uuid.uuid4().hex[:8]}"
    with new_session(stack.engine) as session:  # create_user commits
        user_id = create_user(session, name, password=PASSWORD).id
    token = stack.signer().issue(user_id, "user", 3600)
    title = f"old draft {uuid.uuid4().hex[:6]}"
    with client(stack.app_url("task-service"), token) as tasks:
        created = tasks.post("/tasks", json={"title": title})
        assert created.status_code == 201, created.text
        task_id = created.json()["id"]

    chat_url = stack.app_url("chat-ui")
    cookie = session_cookie(await chat_login(chat_url, name, PASSWORD))
    async with chat_socket(chat_url, cookie) as chat:
        await chat.send(f"delete {title}")
        asked = await chat.wait_for("Please confirm", timeout=120)

        # the reply's card carries Approve and Cancel for this very question
        async def two_buttons() -> list[dict[str, Any]] | None:
            return chat.actions if len(chat.actions) >= 2 else None

        buttons = await eventually(two_buttons, what="the card's buttons")
    [(approval_id, record)] = _approvals_of(stack, user_id)
    assert record["status"] == "waiting" and record["input"]["task_ids"] == [task_id]
    assert {b["name"] for b in buttons} == {"approval_approve", "approval_cancel"}
    assert {b["payload"]["approval_id"] for b in buttons} == {approval_id}
    assert {b["forId"] for b in buttons} == {asked["id"]}
    approve = next(b for b in buttons if b["name"] == "approval_approve")

    stack.kill9("daprd-chat-ui", "chat-ui")
    stack.up_again()  # both started again on the same PostgreSQL and scheduler

    cookie = session_cookie(await chat_login(chat_url, name, PASSWORD))
    async with chat_socket(chat_url, cookie) as chat:
        async with httpx.AsyncClient(base_url=chat_url, timeout=120) as http:
            # the card as drawn before the restart, clicked twice: the second finds it done
            for _ in range(2):
                resp = await http.post(
                    "/project/action",
                    json={"action": approve, "sessionId": chat.session_id},
                    headers={"cookie": f"access_token={cookie}", "origin": chat_url},
                )
                assert resp.status_code == 200, resp.text
        await chat.wait_for(f"Deleted '{title}'.", timeout=120)
        await chat.wait_for("That was approved already", timeout=120)

    with client(stack.app_url("task-service"), token) as tasks:
        assert tasks.get(f"/tasks/{task_id}").status_code == 404
    [(_, record)] = _approvals_of(stack, user_id)
    assert record["status"] == "completed"
    assert record["history"].count("approved") == 1

    # the timer was deleted with the answer: the scheduler holds no job for it
    job = f"{stack.dapr_url('chat-ui')}/v1.0/jobs/approval-timeout-{approval_id}"
    wait_for(lambda: httpx.get(job, timeout=30).status_code != 200, "the timer to be gone", 60)


async def test_the_scheduler_times_the_question_out(stack: RealStack) -> None:
    name = f"waiter{uuid.uuid4().hex[:8]}"
    with new_session(stack.engine) as session:
        user_id = create_user(session, name, password=PASSWORD).id
    token = stack.signer().issue(user_id, "user", 3600)
    title = f"tax form {uuid.uuid4().hex[:6]}"
    with client(stack.app_url("task-service"), token) as tasks:
        assert tasks.post("/tasks", json={"title": title}).status_code == 201

    chat_url = stack.app_url("chat-ui")
    cookie = session_cookie(await chat_login(chat_url, name, PASSWORD))
    async with chat_socket(chat_url, cookie) as chat:
        await chat.send(f"delete {title}")
        await chat.wait_for("Please confirm", timeout=120)
        [(approval_id, record)] = _approvals_of(stack, user_id)
        # the workflow's own timer, moved to now (as if its ten minutes had passed): the
        # scheduler fires it at chat-ui's /job route through daprd, with the app token
        job = f"{stack.dapr_url('chat-ui')}/v1.0/jobs/approval-timeout-{approval_id}"
        async with httpx.AsyncClient(timeout=60) as http:
            assert (await http.get(job)).status_code == 200
            moved = await http.post(
                job,
                json={"dueTime": "1s", "data": {"instance_id": approval_id}, "overwrite": True},
            )
            assert moved.status_code < 300, moved.text
        await chat.wait_for("That question timed out", timeout=120)
    [(_, record)] = _approvals_of(stack, user_id)
    assert record["status"] == "expired" and record["history"] == ["started", "timed out"]
    with client(stack.app_url("task-service"), token) as tasks:
        assert [t["title"] for t in tasks.get("/tasks").json()["items"]] == [title]
