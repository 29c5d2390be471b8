"""Issue 20, item 7: a repeating series walked past the date bound (9000-01-01 UTC): a yearly
rule completed often enough reached 9999-12-31, the next completion was a 500 and a dead
letter that failed on replay, `todo tasks` crashed for a +14 zone, and "remind me ... 10
minutes before" such a date said "date value out of range". Now the series ends at the bound:
the task is completed, no successor is made, the user is told, and nothing answers 500."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, func, select

from agent.events import TurnDone
from agent.service import Agent
from backend_services.contracts import AppId
from backend_services.kernel import wording
from backend_services.platform.db import session_scope
from backend_services.platform.idempotency import ProcessedEvent
from backend_services.task_service.tasks.models import Task, new_id
from launch import cli
from tests.support.embedded_env import EmbeddedEnv, eventually

pytestmark = pytest.mark.anyio

KIRITIMATI = "Pacific/Kiritimati"  # UTC+14


async def pending(env: EmbeddedEnv, headers: dict[str, str]) -> list[dict[str, Any]]:
    resp = await env.client.get("/tasks", params={"status": "pending"}, headers=headers)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["items"])


def completions_handled(env: EmbeddedEnv) -> int:
    with session_scope(env.engine) as session:
        stmt = select(func.count()).where(col(ProcessedEvent.consumer) == AppId.RECURRING.value)
        return int(session.exec(stmt).one())


async def dead_letters(env: EmbeddedEnv) -> list[Any]:
    resp = await env.client.get("/dead-letters", headers=env.user("root", role="admin"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    return list(body["items"] if isinstance(body, dict) else body)


async def say(env: EmbeddedEnv, user: str, text: str) -> str:
    token = env.user(user, KIRITIMATI)["authorization"].removeprefix("Bearer ")
    agent = Agent(env.runtime.for_app(AppId.CHAT_UI.value), None)
    reply = ""
    async for event in agent.turn(token, user, "c1", text):
        if isinstance(event, TurnDone):
            reply = event.reply
    return reply


async def test_a_yearly_series_ends_at_the_date_bound(db_env: EmbeddedEnv) -> None:
    alice = db_env.user("alice", KIRITIMATI)
    body = {
        "title": "renew the lease",
        "due_at": "8998-03-01T09:00:00+00:00",
        "recurrence": "FREQ=YEARLY",
        "reminders": [{"before_minutes": 10}, {"at": "8998-03-01T10:00:00+00:00"}],
    }
    first = (await db_env.client.post("/tasks", json=body, headers=alice)).json()
    done = await db_env.client.post(f"/tasks/{first['id']}/complete", headers=alice)
    assert done.status_code == 200, done.text
    assert done.json()["series_ended"] is False
    successor = (await eventually(lambda: pending(db_env, alice), what="the 8999 occurrence"))[0]
    assert successor["due_at"] == "8999-03-01T09:00:00Z"

    # the last one, completed in the chat: the user is told that no next one follows
    reply = await say(db_env, "alice", "mark renew the lease as done")
    assert "Marked 'renew the lease' as done." in reply, reply
    assert wording.SERIES_ENDED in reply, reply
    last = (await db_env.client.get(f"/tasks/{successor['id']}", headers=alice)).json()
    assert last["status"] == "completed"

    # the worker has handled both completions: no successor past the bound, no dead letter
    await eventually(lambda: _at_least(completions_handled(db_env), 2), what="both handled")
    assert await pending(db_env, alice) == []
    assert await dead_letters(db_env) == []


async def _at_least(value: int, wanted: int) -> bool:
    return value >= wanted


def _store_walked_task(env: EmbeddedEnv, user: str, due: datetime) -> str:
    """A row as a series left it before the bound was kept: due on 9999-12-31."""
    env.user(user, KIRITIMATI)
    task = Task(
        user_id=user,
        title="far away",
        due_at=due,
        timezone=KIRITIMATI,
        recurrence="FREQ=YEARLY",
        series_id=new_id(),
        series_start=datetime(8990, 12, 31, 20, tzinfo=UTC),
    )
    with session_scope(env.engine) as session:
        session.add(task)
        session.commit()
        return task.id


async def test_a_row_past_the_bound_lists_completes_and_replays_cleanly(
    env: EmbeddedEnv, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    task_id = _store_walked_task(env, "alice", datetime(9999, 12, 31, 20, tzinfo=UTC))
    alice = env.user("alice", KIRITIMATI)

    # listed, in a +14 zone, by the chat, the REST API and `todo tasks`
    shown = await say(env, "alice", "show my tasks")
    assert "far away" in shown, shown
    reminded = await say(env, "alice", "remind me about far away 10 minutes before")
    assert "out of range" not in reminded and "Sorry" not in reminded, reminded
    monkeypatch.setenv("TODO_DATA_DIR", str(env.settings.data_dir))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert cli.main(["tasks", "--user", "alice"]) == 0
    assert "far away" in capsys.readouterr().out

    done = await env.client.post(f"/tasks/{task_id}/complete", headers=alice)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    assert done.json()["series_ended"] is True

    # the completion event, handled and then replayed: the same clean answer, no successor
    service_token = env.signer().issue_service(AppId.RECURRING.value, 60)
    for _attempt in range(2):
        resp = await env.client.post(
            f"/internal/tasks/{task_id}/next-occurrence",
            headers={"authorization": f"Bearer {service_token}"},
        )
        assert resp.status_code == 200, resp.text
        assert resp.json() is None
    await eventually(lambda: _at_least(completions_handled(env), 1), what="the completion")
    assert await pending(env, alice) == []
    assert await dead_letters(env) == []


def test_every_date_shows_in_a_zone_ahead_of_utc() -> None:
    zone = wording.zone_of(KIRITIMATI)
    now = datetime(2026, 12, 6, tzinfo=UTC)
    task = {
        "title": "far away",
        "status": "pending",
        "due_at": "9999-12-31T20:00:00Z",
        "recurrence": "FREQ=YEARLY",
        "reminders": [{"at": "9999-12-31T19:50:00Z", "fired_at": None}],
    }
    assert "far away" in wording.plain_table([task], zone, now)
    assert "far away" in wording.table([task], zone, now)
    assert "9999" in wording.one_line(task, zone, now)
    assert wording.section(task, zone, now) == "upcoming"
