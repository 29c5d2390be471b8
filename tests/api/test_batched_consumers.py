"""A bulk delivery is handled as one batch (one transaction) by notification-service and
audit-service; duplicates inside it and redeliveries of it have no second effect; a bad
entry gets its own status without failing the good ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select

from backend_services.audit_service.models import AuditRecord
from backend_services.contracts import CloudEvent, NotificationCreated, ReminderTriggered
from backend_services.notification_service.models import Notification
from backend_services.platform.runtime_guard import APP_TOKEN_HEADER
from tests.support.embedded_env import EmbeddedEnv, eventually

pytestmark = pytest.mark.anyio


def fired(user_id: str, n: int, due: datetime) -> CloudEvent:
    payload = ReminderTriggered(
        user_id=user_id,
        reminder_id=f"r-{user_id}-{n}",
        task_id=f"t-{user_id}-{n}",
        title=f"thing {n}",
        due_at=due,
        remind_at=due,
        fired_at=due,
    )
    return CloudEvent.wrap(payload, source="reminder-service")


async def deliver(env: EmbeddedEnv, app_id: str, route: str, events: list[Any]) -> list[str]:
    body = {
        "entries": [
            {"entryId": str(i), "event": e.model_dump(mode="json") if hasattr(e, "id") else e}
            for i, e in enumerate(events)
        ]
    }
    transport = httpx.ASGITransport(app=env.gateway.apps[app_id])
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        resp = await client.post(
            route, json=body, headers={APP_TOKEN_HEADER: env.runtime.app_token}
        )
    assert resp.status_code == 200, resp.text
    return [s["status"] for s in resp.json()["statuses"]]


async def test_notifications_from_one_bulk_delivery(env: EmbeddedEnv) -> None:
    env.user("ana", tz="Europe/Madrid")
    env.user("bo", tz="America/New_York")
    due = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    ana = [fired("ana", i, due) for i in range(3)]
    bo = [fired("bo", i, due) for i in range(2)]
    wrong_type = CloudEvent.wrap(  # a valid event of another topic: no retry can help
        NotificationCreated(user_id="ana", notification_id="n", task_id="t", title="x", body="x"),
        source="notification-service",
    )
    batch = [ana[0], bo[0], {"id": "junk"}, ana[1], ana[0], wrong_type, bo[1], ana[2]]

    statuses = await deliver(env, "notification-service", "/events/reminder", batch)
    assert (
        statuses == ["SUCCESS", "SUCCESS", "DROP", "SUCCESS", "SUCCESS", "DROP"] + ["SUCCESS"] * 2
    )

    again = await deliver(env, "notification-service", "/events/reminder", [*ana, *bo])
    assert again == ["SUCCESS"] * 5  # a redelivery: acknowledged, no effect

    with Session(env.engine) as session:
        notes = list(session.exec(select(Notification)))
    assert sorted(n.source_event_id for n in notes) == sorted(e.id for e in [*ana, *bo])
    by_user = {n.user_id: n.body for n in notes}
    # each user's own zone, relative to when it rang (at the due time: "today")
    assert by_user["ana"].endswith("(due today 18:00)")
    assert by_user["bo"].endswith("(due today 12:00)")

    async def each_announced() -> bool:  # outbox → runtime → audit-service
        with Session(env.engine) as session:
            announced = session.exec(
                select(AuditRecord).where(AuditRecord.type == NotificationCreated.event_type)
            ).all()
        return len(announced) == len(notes)

    await eventually(each_announced, what="one NotificationCreated per notification")


async def test_audit_records_each_event_of_a_bulk_once(env: EmbeddedEnv) -> None:
    due = datetime.now(UTC) + timedelta(hours=1)
    events = [fired("cy", i, due) for i in range(50)]
    statuses = await deliver(env, "audit-service", "/events/reminder", [*events, events[7]])
    assert statuses == ["SUCCESS"] * 51
    assert await deliver(env, "audit-service", "/events/reminder", events[:10]) == ["SUCCESS"] * 10
    with Session(env.engine) as session:
        ids = session.exec(
            select(AuditRecord.event_id).where(
                col(AuditRecord.event_id).in_([e.id for e in events])
            )
        ).all()
    assert sorted(ids) == sorted(e.id for e in events)


async def test_task_service_records_firings_of_a_bulk_first_one_kept(env: EmbeddedEnv) -> None:
    alice = env.user("alice")
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    made = await env.client.post(
        "/tasks", json={"title": "call", "reminders": [{"at": later}]}, headers=alice
    )
    reminder_id = made.json()["reminders"][0]["id"]
    first = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def firing(at: datetime, rid: str) -> CloudEvent:
        payload = ReminderTriggered(
            user_id="alice",
            reminder_id=rid,
            task_id=made.json()["id"],
            title="call",
            remind_at=at,
            fired_at=at,
        )
        return CloudEvent.wrap(payload, source="reminder-service")

    batch = [
        firing(first, reminder_id),
        firing(first, "no-such-reminder"),
        firing(first + timedelta(minutes=5), reminder_id),
    ]
    statuses = await deliver(env, "task-service", "/events/reminder-fired", batch)
    assert statuses == ["SUCCESS"] * 3
    task = (await env.client.get(f"/tasks/{made.json()['id']}", headers=alice)).json()
    assert datetime.fromisoformat(task["reminders"][0]["fired_at"]) == first
