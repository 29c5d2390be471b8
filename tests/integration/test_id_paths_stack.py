"""Issue 20, item 1 on the real stack: in sidecar mode the ids that walked reached daprd's
`/v1.0/invoke`, `/v1.0/state` and `/v1.0/jobs`. Against real daprd processes:

- the MCP regression: an admin's personal access token with
  `remove_reminder(reminder_id="../../../admin/users/<name>")` purges nothing;
- the sidecar runtime refuses a walking path before sending (daprd decodes a method once and
  then collapses dot segments: `x%2F..%2F..%2Fadmin` would reach `/admin`; it refuses a decoded
  `?` or `#` and fails on a decoded `%`, so those are refused before sending too), and what it
  does send arrives as one segment: `;` or a space behind a real task id reaches the app as
  part of the id, which refuses it (422), never as the task;
- state keys with `:` (the agent's memory) and reminder job names round-trip through daprd
  encoded, and walking keys and names are refused before any request.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from backend_services.contracts import STATESTORE, AppId
from backend_services.kernel import tokens
from backend_services.platform.db import session_scope
from backend_services.platform.service_paths import UnsafePath, service_path
from backend_services.platform.sidecar_runtime import SidecarRuntime
from backend_services.platform.timeutil import utcnow
from backend_services.task_service.users import service as users
from tests.integration.harness import RealStack, bearer, wait_for
from tests.support.mcp_client import call, connect, payload

pytestmark = pytest.mark.stack

ACCEPT = "application/json, text/event-stream"


def sidecar_run(stack: RealStack, app_id: str, work: Any) -> Any:
    """`work(runtime)` on a SidecarRuntime talking to `app_id`'s real daprd."""

    async def run() -> Any:
        runtime = SidecarRuntime(stack.dapr_http(app_id))
        await runtime.start()
        try:
            return await work(runtime)
        finally:
            await runtime.stop()

    return asyncio.run(run())


def a_task_with_a_reminder(stack: RealStack, token: str) -> dict[str, Any]:
    body = {"title": "walk probe", "reminders": [{"at": "2031-01-01T09:00:00Z"}]}
    resp = httpx.post(
        f"{stack.app_url('task-service')}/tasks", json=body, headers=bearer(token), timeout=30
    )
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def test_issue_20_an_admin_pat_over_mcp_cannot_purge_an_account(stack: RealStack) -> None:
    admin_id, admin_token = stack.new_user("boss", role="admin")
    victim_id, _ = stack.new_user("target")
    with session_scope(stack.engine) as session:
        pat = tokens.create(session, admin_id, tokens.TokenCreate(name="walk test"))
    task = a_task_with_a_reminder(stack, admin_token)
    url = f"{stack.app_url('chat-ui')}/mcp"

    def answers() -> bool:
        resp = httpx.post(
            url,
            json={"jsonrpc": "2.0", "id": 0, "method": "tools/list"},
            headers={"authorization": f"Bearer {pat.token}", "accept": ACCEPT},
            timeout=30,
        )
        assert resp.status_code in (200, 503), resp.text
        return resp.status_code == 200

    wait_for(answers, "/mcp to reach task-service", timeout=180, interval=1)
    walks = [
        f"../../../admin/users/{victim_id}",
        f"../../{task['id']}",
        f"%2e%2e/%2e%2e/%2e%2e/admin/users/{victim_id}",
        f"{task['reminders'][0]['id']}/../../../../admin/users/{victim_id}",
    ]

    async def run() -> list[dict[str, Any]]:
        async with connect(url, pat.token) as session:
            return [
                payload(await call(session, "remove_reminder", task=task["id"], reminder_id=rid))
                for rid in walks
            ]

    results = asyncio.run(run())
    with session_scope(stack.engine) as session:
        assert session.get(users.User, victim_id) is not None  # not purged
    rows = stack.sql("SELECT count(*) FROM reminders WHERE task_id = :id", id=task["id"])
    assert rows[0][0] == 1  # the task and its reminder are still there
    for rid, result in zip(walks, results, strict=True):
        assert result["ok"] is False and "not a reminder id" in result["message"], (rid, result)


def test_the_sidecar_refuses_walking_paths_and_daprd_keeps_encoded_segments_whole(
    stack: RealStack,
) -> None:
    _, token = stack.new_user("walker")
    task = a_task_with_a_reminder(stack, token)
    tid = task["id"]
    headers = bearer(token)

    async def work(runtime: SidecarRuntime) -> dict[str, Any]:
        found: dict[str, Any] = {}
        ok = await runtime.invoke(AppId.TASKS.value, service_path("tasks", tid), headers=headers)
        found["plain"] = ok.status_code
        for tail in ("?x=1", "#frag", ";x", "%", "%3F", " x", ":x"):
            try:
                got = await runtime.invoke(
                    AppId.TASKS.value, service_path("tasks", tid + tail), headers=headers
                )
                found[tail] = got.status_code
            except UnsafePath:
                found[tail] = "refused"
        for path in (
            f"tasks/{tid}/reminders/../..",
            f"tasks/{tid}/reminders/%2e%2e/%2E%2E",
            f"tasks/{tid}%2f..%2f..%2fadmin",  # service_path's own spelling is below
            service_path("tasks", f"{tid}/../../admin"),
            f"tasks/{tid}?x=1",
            f"tasks/{tid}#x",
        ):
            try:
                await runtime.invoke(AppId.TASKS.value, path, http_method="DELETE", headers=headers)
            except UnsafePath:
                found[path] = "refused"
        return found

    found = sidecar_run(stack, "chat-ui", work)
    assert found.pop("plain") == 200, found
    # each id arrived whole (the app refused it as an id), none was cut down to the task's
    assert {k: v for k, v in found.items() if v != "refused"} == {";x": 422, " x": 422, ":x": 422}
    assert sum(1 for v in found.values() if v == "refused") == 10, found
    resp = httpx.get(f"{stack.app_url('task-service')}/tasks/{tid}", headers=headers, timeout=30)
    assert resp.status_code == 200 and len(resp.json()["reminders"]) == 1


def test_state_keys_and_job_names_round_trip_encoded_and_walking_ones_are_refused(
    stack: RealStack,
) -> None:
    key = f"conversation:it{uuid.uuid4().hex[:8]}:{uuid.uuid4()}"  # agent/memory.py's shape
    job = f"reminder-{uuid.uuid4()}"

    async def work(runtime: SidecarRuntime) -> dict[str, Any]:
        found: dict[str, Any] = {}
        await runtime.save_state(STATESTORE, key, {"turns": ["hi"]})
        found["state"] = await runtime.get_state(STATESTORE, key)
        await runtime.delete_state(STATESTORE, key)
        found["deleted"] = await runtime.get_state(STATESTORE, key)
        await runtime.schedule_job(job, utcnow() + timedelta(days=3650), {"reminder_id": "x"})
        found["job"] = await runtime.get_job(job)
        await runtime.delete_job(job)
        found["job_deleted"] = await runtime.get_job(job)
        refused = 0
        for bad in ("..", ".", "../x", "a/b", "a\\b", ""):
            for attempt in (
                runtime.get_state(STATESTORE, bad),
                runtime.save_state(STATESTORE, bad, {"x": 1}),
                runtime.delete_state(STATESTORE, bad),
                runtime.get_job(bad),
                runtime.delete_job(bad),
            ):
                try:
                    await attempt
                except UnsafePath:
                    refused += 1
        found["refused"] = refused
        return found

    found = sidecar_run(stack, "chat-ui", work)
    value, etag = found["state"]
    assert value == {"turns": ["hi"]} and etag, found
    assert found["deleted"] == (None, None)
    assert found["job"] is not None and found["job"]["name"] == job, found
    assert found["job_deleted"] is None
    assert found["refused"] == 30
