"""Rolling upgrades: a newer publisher adds a field to a v1 event; today's consumers handle
the event (the tolerant reader) instead of dead-lettering it. What we publish stays strict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import Session, select

from backend_services.audit_service.models import AuditRecord, DeadLetter
from backend_services.contracts import PUBSUB, CloudEvent, TaskCreated, Topic
from backend_services.reminder_service.models import ScheduledReminder
from tests.support.embedded_env import EmbeddedEnv, eventually

pytestmark = pytest.mark.anyio


async def test_a_v1_event_with_an_added_field_is_handled_by_every_consumer(
    env: EmbeddedEnv,
) -> None:
    env.user("alice")
    now = datetime.now(UTC)
    task = {
        "id": "t-compat",
        "user_id": "alice",
        "title": "from a newer publisher",
        "status": "pending",
        "priority": "none",
        "due_at": (now + timedelta(days=1)).isoformat(),
        "reminders": [
            {
                "id": "r-compat",
                "at": (now + timedelta(hours=5)).isoformat(),
            }
        ],
        "created_at": now.isoformat(),
        "updated_at": now.isoformat(),
        "colour": "teal",  # nested additions were always ignored
    }
    event = CloudEvent(
        id="compat-1",
        source="task-service",
        type=TaskCreated.event_type,
        data={"user_id": "alice", "task": task, "workspace_id": "w-42"},  # new top-level field
    )
    await env.runtime.publish(PUBSUB, Topic.TASK_EVENTS.value, event, partition_key="alice")

    async def recorded() -> bool:
        with Session(env.engine) as session:
            audited = session.exec(select(AuditRecord).where(AuditRecord.event_id == "compat-1"))
            scheduled = session.get(ScheduledReminder, "r-compat")
            return audited.first() is not None and scheduled is not None

    await eventually(recorded, what="audit and reminder-service to handle the event")
    with Session(env.engine) as session:
        assert list(session.exec(select(DeadLetter))) == []


def test_publishing_stays_strict() -> None:
    with pytest.raises(ValidationError):
        TaskCreated.model_validate({"user_id": "a", "task": {}, "typo_field": 1})


async def test_a_bulk_delivery_gets_one_status_per_entry_in_dapr_s_format(
    env: EmbeddedEnv,
) -> None:
    """What daprd sends with `bulkSubscribe` (and what it expects back)."""
    import httpx

    from backend_services.platform.runtime_guard import APP_TOKEN_HEADER

    env.user("alice")
    alice = env.user("alice")
    task = (await env.client.post("/tasks", json={"title": "bulk"}, headers=alice)).json()
    good = CloudEvent.wrap(
        TaskCreated.model_validate({"user_id": "alice", "task": task}), source="task-service"
    )
    envelope = {
        "id": "b1",
        "type": "com.dapr.event.sent.bulk",
        "topic": "task-events",
        "pubsubname": "pubsub",
        "metadata": {},
        "entries": [
            {"entryId": "1", "event": good.model_dump(mode="json"), "metadata": {}},
            {"entryId": "2", "event": {"id": "x", "type": "nope"}, "metadata": {}},
            {"entryId": "3", "event": good.model_dump(mode="json"), "metadata": {}},  # again
        ],
    }
    app = env.gateway.apps["audit-service"]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://audit") as client:
        resp = await client.post(
            "/events/task", json=envelope, headers={APP_TOKEN_HEADER: env.runtime.app_token}
        )
        listed = await client.get(
            "/dapr/subscribe", headers={APP_TOKEN_HEADER: env.runtime.app_token}
        )
    assert resp.status_code == 200
    assert resp.json() == {
        "statuses": [
            {"entryId": "1", "status": "SUCCESS"},
            {"entryId": "2", "status": "DROP"},
            {"entryId": "3", "status": "SUCCESS"},  # a redelivery: acknowledged, no effect
        ]
    }
    task_sub = next(s for s in listed.json() if s["topic"] == "task-events")
    assert task_sub["bulkSubscribe"]["enabled"] is True
    with Session(env.engine) as session:
        rows = session.exec(select(AuditRecord).where(AuditRecord.event_id == good.id))
        assert len(list(rows)) == 1


async def test_a_full_bulk_delivery_is_not_refused_as_too_large(env: EmbeddedEnv) -> None:
    """100 events exceed the public 64 KiB body limit; the runtime's routes take them (after
    the app-token check), public routes keep the limit."""
    import httpx

    from backend_services.platform.runtime_guard import APP_TOKEN_HEADER

    alice = env.user("alice")
    task = (await env.client.post("/tasks", json={"title": "t" * 400}, headers=alice)).json()
    entries = []
    for i in range(100):
        event = CloudEvent.wrap(
            TaskCreated.model_validate({"user_id": "alice", "task": {**task, "id": f"big-{i}"}}),
            source="task-service",
        )
        entries.append({"entryId": str(i), "event": event.model_dump(mode="json")})
    body = {"entries": entries}
    app = env.gateway.apps["audit-service"]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://audit") as client:
        token = {APP_TOKEN_HEADER: env.runtime.app_token}
        resp = await client.post("/events/task", json=body, headers=token)
        assert len(resp.content) and resp.status_code == 200, resp.text
        assert {s["status"] for s in resp.json()["statuses"]} == {"SUCCESS"}
        assert (await client.post("/events/task", json=body)).status_code == 401
    big_title = {"title": "x", "description": "d" * 70_000}
    assert (await env.client.post("/tasks", json=big_title, headers=alice)).status_code == 413
