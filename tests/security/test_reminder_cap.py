"""Issue 20, low: concurrent adds took a task past its 10 reminders (each request counted
before any had committed). On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from backend_services.kernel.task_schemas import MAX_REMINDERS
from tests.support.embedded_env import EmbeddedEnv

pytestmark = pytest.mark.anyio


async def test_concurrent_reminders_never_pass_the_cap(db_env: EmbeddedEnv) -> None:
    alice = db_env.user("alice")
    task = (await db_env.client.post("/tasks", json={"title": "t"}, headers=alice)).json()
    body = {"at": "2030-01-01T09:00:00+00:00"}
    answers = await asyncio.gather(
        *(
            db_env.client.post(f"/tasks/{task['id']}/reminders", json=body, headers=alice)
            for _ in range(3 * MAX_REMINDERS)
        )
    )
    codes = sorted({a.status_code for a in answers})
    assert set(codes) <= {201, 200, 409, 422}, [a.text for a in answers if a.status_code >= 500]
    stored = (await db_env.client.get(f"/tasks/{task['id']}", headers=alice)).json()
    assert len(stored["reminders"]) <= MAX_REMINDERS
    assert sum(a.status_code in (200, 201) for a in answers) == len(stored["reminders"])
