"""Events in embedded mode: outbox → pub/sub → subscribers; idempotency; dead letters; jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from backend_services.audit_service.models import AuditRecord, DeadLetter
from backend_services.contracts import PUBSUB, CloudEvent, TaskCompleted, Topic
from backend_services.platform.embedded_runtime import EmbeddedRuntime
from backend_services.platform.outbox import OutboxEvent
from tests.support.embedded_env import EmbeddedEnv, embedded_env, eventually, make_settings

pytestmark = pytest.mark.anyio


def rows(env: EmbeddedEnv, model: Any, *where: Any) -> list[Any]:
    with Session(env.engine) as session:
        return list(session.exec(select(model).where(*where)))


async def test_every_change_reaches_the_audit_log_once(env: EmbeddedEnv) -> None:
    alice = env.user("alice")
    task = (await env.client.post("/tasks", json={"title": "a"}, headers=alice)).json()
    await env.client.patch(f"/tasks/{task['id']}", json={"title": "b"}, headers=alice)
    await env.client.post(f"/tasks/{task['id']}/complete", headers=alice)
    await env.client.delete(f"/tasks/{task['id']}", headers=alice)

    async def four() -> list[Any] | None:
        found = rows(env, AuditRecord, AuditRecord.user_id == "alice")
        return found if len(found) >= 4 else None

    found = await eventually(four, what="4 audit records")
    assert [r.type for r in sorted(found, key=lambda r: r.seq)] == [
        "todo.task.created.v1",
        "todo.task.updated.v1",
        "todo.task.completed.v1",
        "todo.task.deleted.v1",
    ]
    assert rows(env, OutboxEvent) == []  # relayed and forgotten


async def test_redelivered_event_changes_nothing(env: EmbeddedEnv) -> None:
    alice = env.user("alice")
    due = datetime.now(UTC) + timedelta(days=1)
    task = (
        await env.client.post(
            "/tasks",
            headers=alice,
            json={"title": "water plants", "due_at": due.isoformat(), "recurrence": "FREQ=DAILY"},
        )
    ).json()
    await env.client.post(f"/tasks/{task['id']}/complete", headers=alice)

    async def two_tasks() -> list[dict] | None:
        items = (await env.client.get("/tasks", headers=alice)).json()["items"]
        return items if len(items) == 2 else None

    await eventually(two_tasks, what="next occurrence")
    completed = next(r for r in rows(env, AuditRecord) if r.type == TaskCompleted.event_type)
    # deliver the very same CloudEvent again, twice, to every subscriber of task-events
    original = await _event_from_log(env, completed.event_id)
    for _ in range(2):
        await env.runtime.publish(PUBSUB, Topic.TASK_EVENTS.value, original, partition_key="alice")
    marker = (await env.client.post("/tasks", json={"title": "marker"}, headers=alice)).json()

    async def marker_audited() -> bool:
        return bool(
            rows(
                env,
                AuditRecord,
                AuditRecord.type == "todo.task.created.v1",
                AuditRecord.user_id == "alice",
            )[2:]
        )

    await eventually(marker_audited, what="marker after the redeliveries")
    items = (await env.client.get("/tasks", headers=alice)).json()["items"]
    assert sorted(t["title"] for t in items) == ["marker", "water plants", "water plants"]
    assert len(rows(env, AuditRecord, AuditRecord.event_id == completed.event_id)) == 1
    assert marker["title"] == "marker"


async def _event_from_log(env: EmbeddedEnv, event_id: str) -> CloudEvent:
    from backend_services.platform.embedded_tables import EmbeddedMessage

    for message in rows(env, EmbeddedMessage):
        if message.event["id"] == event_id:
            return CloudEvent.model_validate(message.event)
    raise AssertionError("event not in the log")


async def test_malformed_event_goes_to_the_dead_letter_topic(env: EmbeddedEnv) -> None:
    bad = CloudEvent(
        id="bad-1",
        source="test",
        type="todo.task.completed.v1",
        data={"user_id": "x", "task": {"nonsense": True}},
    )
    await env.runtime.publish(PUBSUB, Topic.TASK_EVENTS.value, bad)
    unknown = CloudEvent(id="bad-2", source="test", type="com.example.unknown", data={})
    await env.runtime.publish(PUBSUB, Topic.TASK_EVENTS.value, unknown)

    async def both_dead() -> list[Any] | None:
        found = rows(env, DeadLetter)
        ids = {d.event_id for d in found}
        return found if {"bad-1", "bad-2"} <= ids else None

    letters = await eventually(both_dead, what="dead letters")
    assert all(d.original_topic == "task-events" for d in letters)
    # the workers keep running: a normal change still flows
    alice = env.user("alice")
    await env.client.post("/tasks", json={"title": "after poison"}, headers=alice)
    await eventually(lambda: _audited(env, "alice"), what="later event processed")


async def _audited(env: EmbeddedEnv, user: str) -> bool:
    return bool(rows(env, AuditRecord, AuditRecord.user_id == user))


async def test_retry_answer_is_redelivered(env: EmbeddedEnv) -> None:
    from fastapi import FastAPI

    seen: list[str] = []
    flaky = FastAPI()

    @flaky.get("/dapr/subscribe")
    def subscribe() -> list[dict[str, str]]:
        return [
            {"pubsubname": PUBSUB, "topic": "flaky", "route": "/in", "deadLetterTopic": "flaky-dlq"}
        ]

    @flaky.post("/in")
    def receive(event: dict[str, Any]) -> dict[str, str]:
        seen.append(event["id"])
        return {"status": "RETRY"} if len(seen) < 3 else {"status": "SUCCESS"}

    runtime: EmbeddedRuntime = env.runtime
    await runtime.stop()
    runtime.register("flaky-app", flaky)
    await runtime.start()
    await runtime.publish(PUBSUB, "flaky", CloudEvent(id="e-1", source="t", type="x"))
    await eventually(lambda: _true_when(len(seen) >= 3), what="three deliveries")
    assert seen == ["e-1", "e-1", "e-1"]


async def _true_when(value: bool) -> bool:
    return value


async def test_job_fires_after_a_restart(tmp_path: Any) -> None:
    settings = make_settings(tmp_path)
    fired: list[dict] = []
    async with embedded_env(settings) as first:
        runtime: EmbeddedRuntime = first.runtime
        await runtime.for_app("reminder-service").schedule_job(
            "reminder-not-a-real-one",
            datetime.now(UTC) + timedelta(seconds=2),
            {"reminder_id": "not-a-real-one"},
        )
    # process gone; a new one on the same data dir
    async with embedded_env(settings) as second:
        from fastapi import FastAPI

        probe = FastAPI()

        @probe.post("/job/{name}")
        def job(name: str, body: dict[str, Any]) -> dict[str, str]:
            fired.append({"name": name, **body})
            return {}

        runtime = second.runtime
        await runtime.stop()
        runtime.register("reminder-service", probe)
        await runtime.start()
        await eventually(lambda: _true_when(bool(fired)), what="job after restart")
        assert fired == [{"name": "reminder-not-a-real-one", "reminder_id": "not-a-real-one"}]

        async def forgotten() -> bool:  # the one-shot job is deleted after the app answers
            return (
                await runtime.for_app("reminder-service").get_job("reminder-not-a-real-one") is None
            )

        await eventually(forgotten, what="the fired one-shot job deleted")
        assert fired == [{"name": "reminder-not-a-real-one", "reminder_id": "not-a-real-one"}]
