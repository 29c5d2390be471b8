"""Recurrence rules that hang the workers (INTERVAL=0, rules matching no date, sub-hourly).

The API and the agent's tools refuse them with a 422 naming `recurrence`; a bad rule already in
the database makes the next-occurrence call fail fast (422), and the recurring worker
dead-letters that one event while everyone else's series keep going."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import pytest
from sqlmodel import Session, select

from agent.memory import Conversation
from agent.task_client import TaskClient
from agent.tools import ToolContext, run_tool
from backend_services.audit_service.models import DeadLetter
from backend_services.contracts import AppId, TaskCompleted, Topic
from backend_services.kernel.rrule import RecurrenceError, next_occurrence
from backend_services.task_service.tasks.models import Task, new_id
from tests.support.embedded_env import EmbeddedEnv, eventually

pytestmark = pytest.mark.anyio

FIRST = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
BAD_RULES = [
    pytest.param("FREQ=DAILY;INTERVAL=0", "INTERVAL", id="interval-0"),
    pytest.param("FREQ=DAILY;INTERVAL=-1", "INTERVAL", id="interval-negative"),
    pytest.param("FREQ=WEEKLY;COUNT=0", "COUNT", id="count-0"),
    pytest.param("FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=31", "SECONDLY", id="secondly"),
    pytest.param("FREQ=MINUTELY", "MINUTELY", id="minutely"),
    pytest.param("FREQ=HOURLY;BYMINUTE=0,15,30,45", "24 times a day", id="sub-hourly-byminute"),
    pytest.param("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "no instance", id="no-instance"),
    pytest.param("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31", "no instance", id="no-instance-daily"),
]
# rules the offline parser and people write: they must stay valid
GOOD_RULES = [
    "FREQ=HOURLY;INTERVAL=12",
    "FREQ=DAILY",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=DAILY;COUNT=3",
]
DEADLINE = 60.0  # seconds: generous; the bounded computation takes milliseconds


def refused_recurrence(resp: Any, word: str) -> None:
    assert resp.status_code == 422, resp.text
    body = resp.json()
    errors = [e for e in body["detail"] if "recurrence" in e["loc"]]
    assert errors, body
    assert word.lower() in " ".join(e["msg"] for e in errors).lower(), body


# --- the API ------------------------------------------------------------------------------
@pytest.mark.parametrize(("rule", "word"), BAD_RULES)
async def test_create_refuses_a_rule_that_could_hang_a_worker(
    env: EmbeddedEnv, rule: str, word: str
) -> None:
    alice = env.user("alice")
    body = {"title": "bad", "due_at": FIRST.isoformat(), "recurrence": rule}
    refused_recurrence(await env.client.post("/tasks", headers=alice, json=body), word)
    assert (await env.client.get("/tasks", headers=alice)).json()["total"] == 0
    for good in GOOD_RULES:
        body = {"title": good, "due_at": FIRST.isoformat(), "recurrence": good}
        created = await env.client.post("/tasks", headers=alice, json=body)
        assert created.status_code == 201, created.text


@pytest.mark.parametrize(("rule", "word"), BAD_RULES)
async def test_update_refuses_a_rule_that_could_hang_a_worker(
    env: EmbeddedEnv, rule: str, word: str
) -> None:
    alice = env.user("alice")
    body = {
        "title": "stretch",
        "due_at": FIRST.isoformat(),
        "recurrence": "FREQ=HOURLY;INTERVAL=12",
    }
    task = (await env.client.post("/tasks", headers=alice, json=body)).json()
    resp = await env.client.patch(f"/tasks/{task['id']}", headers=alice, json={"recurrence": rule})
    refused_recurrence(resp, word)
    kept = (await env.client.get(f"/tasks/{task['id']}", headers=alice)).json()
    assert kept["recurrence"] == "FREQ=HOURLY;INTERVAL=12"


# --- the agent's tools --------------------------------------------------------------------
def tool_context(env: EmbeddedEnv, user: str) -> ToolContext:
    token = env.signer().issue(user, "user", 600)
    client = TaskClient(env.runtime.for_app(AppId.CHAT_UI.value), token)
    return ToolContext(client=client, timezone="UTC", conversation=Conversation())


@pytest.mark.parametrize(("rule", "word"), BAD_RULES)
async def test_agent_tools_refuse_the_same_rules(env: EmbeddedEnv, rule: str, word: str) -> None:
    alice = env.user("alice")
    ctx = tool_context(env, "alice")
    added = await run_tool(
        ctx, "add_task", {"title": "bad", "due_at": "2030-03-01T09:00", "recurrence": rule}
    )
    assert not added.ok
    assert "recurrence" in added.message and word.lower() in added.message.lower(), added.message

    ok = await run_tool(ctx, "add_task", {"title": "stretch", "due_at": "2030-03-01T09:00"})
    assert ok.ok, ok.message
    refused = await run_tool(ctx, "set_recurrence", {"task": "stretch", "rrule": rule})
    assert not refused.ok
    assert "rrule" in refused.message and word.lower() in refused.message.lower()
    tasks = (await env.client.get("/tasks", headers=alice)).json()["items"]
    assert [(t["title"], t["recurrence"]) for t in tasks] == [("stretch", None)]

    # valid rules still go through, and '' still stops a task repeating
    repeats = await run_tool(
        ctx, "set_recurrence", {"task": "stretch", "rrule": "FREQ=HOURLY;INTERVAL=12"}
    )
    assert repeats.ok, repeats.message
    stops = await run_tool(ctx, "set_recurrence", {"task": "stretch", "rrule": ""})
    assert stops.ok, stops.message


# --- a bad rule already stored: bounded, never a hang ----------------------------------------
def within_deadline(rule: str) -> datetime | BaseException | None:
    """next_occurrence in a daemon thread: a hang fails the test instead of the whole run."""
    outcome: list[Any] = []

    def work() -> None:
        start = datetime(2026, 1, 31, 8, 0, tzinfo=UTC)
        try:
            outcome.append(next_occurrence(rule, start, start, "Europe/Berlin"))
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(DEADLINE)
    assert outcome, f"next_occurrence({rule!r}) still running after {DEADLINE:.0f} s"
    result: datetime | BaseException | None = outcome[0]
    return result


@pytest.mark.parametrize(
    ("rule", "word"),
    [
        *BAD_RULES,
        pytest.param("FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30", "no instance", id="hourly-none"),
        # matches Feb 29 in a leap year, but every 4 years from a start in 2026 never is one
        pytest.param("FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", "no next", id="phase"),
    ],
)
def test_next_occurrence_of_a_stored_bad_rule_fails_fast_and_clearly(rule: str, word: str) -> None:
    outcome = within_deadline(rule)
    assert isinstance(outcome, RecurrenceError), outcome
    assert word.lower() in str(outcome).lower(), outcome


# --- the worker: dead-letter the bad event, keep going for everyone else ------------------
def insert_recurring_task(env: EmbeddedEnv, user: str, rule: str) -> str:
    """A row as an old release (or a bug) may have left it: straight into the table."""
    task = Task(
        user_id=user,
        title="legacy",
        due_at=FIRST,
        timezone="UTC",
        recurrence=rule,
        series_id=new_id(),
        series_start=FIRST,
    )
    with Session(env.engine) as session:
        session.add(task)
        session.commit()
        return task.id


async def titled(env: EmbeddedEnv, headers: dict[str, str], title: str) -> list[dict[str, Any]]:
    items = (
        await env.client.get("/tasks", headers=headers, params={"sort": "due", "limit": 200})
    ).json()["items"]
    return [t for t in items if t["title"] == title]


def dead_letters_for(env: EmbeddedEnv, task_id: str) -> list[DeadLetter]:
    with Session(env.engine) as session:
        rows = session.exec(
            select(DeadLetter).where(DeadLetter.original_topic == Topic.TASK_EVENTS.value)
        ).all()
    return [r for r in rows if (r.event.get("data") or {}).get("task", {}).get("id") == task_id]


@pytest.mark.parametrize("rule", ["FREQ=DAILY;INTERVAL=0", "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=31"])
async def test_worker_dead_letters_a_bad_stored_rule_and_keeps_flowing(
    env: EmbeddedEnv, rule: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="todo.subscriptions")
    mallory, bob = env.user("mallory"), env.user("bob")
    bad_id = insert_recurring_task(env, "mallory", rule)
    done = await env.client.post(f"/tasks/{bad_id}/complete", headers=mallory)
    assert done.status_code == 200, done.text

    # then another user's ordinary recurring task, behind it on the same topic
    body = {"title": "water plants", "due_at": FIRST.isoformat(), "recurrence": "FREQ=DAILY"}
    good = (await env.client.post("/tasks", headers=bob, json=body)).json()
    await env.client.post(f"/tasks/{good['id']}/complete", headers=bob)

    async def bobs_next() -> list[dict[str, Any]] | None:
        found = await titled(env, bob, "water plants")
        return found if len(found) == 2 else None

    series = await eventually(bobs_next, timeout=DEADLINE, what="bob's next occurrence")
    assert datetime.fromisoformat(series[1]["due_at"]) == FIRST + timedelta(days=1)

    async def dead_lettered() -> list[DeadLetter] | None:
        return dead_letters_for(env, bad_id) or None

    letters = await eventually(dead_lettered, timeout=DEADLINE, what="the dead letter")
    assert letters[0].event["type"] == TaskCompleted.event_type
    # the reason is in the log, and the bad series got no successor
    dropped = [
        r.getMessage()
        for r in caplog.records
        if r.name == "todo.subscriptions" and bad_id in r.getMessage()
    ]
    assert dropped and "no next occurrence" in dropped[0], dropped
    assert [t["id"] for t in await titled(env, mallory, "legacy")] == [bad_id]


async def test_next_occurrence_route_answers_422_with_the_reason(env: EmbeddedEnv) -> None:
    env.user("mallory")
    bad_id = insert_recurring_task(env, "mallory", "FREQ=DAILY;INTERVAL=0")
    token = env.signer().issue_service(AppId.RECURRING.value)
    with anyio.fail_after(DEADLINE):
        resp = await env.runtime.invoke(
            AppId.TASKS.value,
            f"internal/tasks/{bad_id}/next-occurrence",
            http_method="POST",
            headers={"authorization": f"Bearer {token}"},
        )
    assert resp.status_code == 422, resp.body
    assert resp.body["detail"][0]["loc"] == ["body", "recurrence"]
    assert "INTERVAL must be at least 1" in resp.body["detail"][0]["msg"]
