"""Rolling upgrades: a newer publisher adds a field to a v1 event; today's consumers handle
the event (the tolerant reader) instead of dead-lettering it. What we publish stays strict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import Session, select

from backend_services.audit.models import AuditRecord, DeadLetter
from backend_services.contracts import PUBSUB, CloudEvent, TaskCreated, Topic
from backend_services.reminders.models import ScheduledReminder
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
