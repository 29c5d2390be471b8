"""Reminder planning for a bulk delivery of task events: rows and jobs follow the events in
their order, the last event to mention a reminder decides, and redeliveries plan nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, create_engine
from sqlmodel import Session, SQLModel, select

from backend_services.contracts import ReminderSnapshot, TaskSnapshot
from backend_services.platform.idempotency import ProcessedEvent
from backend_services.platform.outbox import OutboxEvent
from backend_services.reminder_service.models import ScheduledReminder
from backend_services.reminder_service.service import JobPlan, TaskChange, fire, plan_for_events

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CONSUMER = "reminder-service"


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    tables = [
        SQLModel.metadata.tables[t.__tablename__]
        for t in (ScheduledReminder, ProcessedEvent, OutboxEvent)
    ]  # type: ignore[attr-defined]
    SQLModel.metadata.create_all(engine, tables=tables)
    yield engine
    engine.dispose()


def task(
    task_id: str, reminders: dict[str, datetime], *, status: str = "pending", title: str = "t"
) -> TaskSnapshot:
    return TaskSnapshot(
        id=task_id,
        user_id="alice",
        title=title,
        status=status,  # type: ignore[arg-type]
        priority="medium",
        reminders=[ReminderSnapshot(id=rid, at=at) for rid, at in reminders.items()],
        created_at=NOW,
        updated_at=NOW,
    )


def plan(engine: Engine, *changes: TaskChange) -> JobPlan:
    with Session(engine, expire_on_commit=False) as session:
        return plan_for_events(session, CONSUMER, list(changes))


def rows(engine: Engine) -> dict[str, ScheduledReminder]:
    with Session(engine) as session:
        return {r.reminder_id: r for r in session.exec(select(ScheduledReminder)).all()}


def test_a_batch_applies_its_events_in_order_and_the_last_one_decides(engine: Engine) -> None:
    at, later = NOW + timedelta(hours=1), NOW + timedelta(hours=2)
    result = plan(
        engine,
        TaskChange("e1", task("t1", {"r1": at, "r2": at}), deleted=False),
        TaskChange("e2", task("t2", {"r3": at}), deleted=False),
        # t1 moves r1 and drops r2; t2 is completed
        TaskChange("e3", task("t1", {"r1": later}, title="moved"), deleted=False),
        TaskChange("e4", task("t2", {"r3": at}, status="completed"), deleted=False),
    )
    assert set(result.schedule) == {"r1"}
    assert result.schedule["r1"].remind_at == later
    assert result.cause == {"r1": "e3"}
    assert result.cancel == {"r2", "r3"}
    saved = rows(engine)
    assert saved["r1"].remind_at.replace(tzinfo=UTC) == later and saved["r1"].title == "moved"
    assert saved["r1"].active and not saved["r2"].active and not saved["r3"].active


def test_a_redelivered_event_plans_nothing_and_a_reopened_task_schedules_again(
    engine: Engine,
) -> None:
    at = NOW + timedelta(hours=1)
    created = TaskChange("e1", task("t1", {"r1": at}), deleted=False)
    assert set(plan(engine, created).schedule) == {"r1"}
    again = plan(engine, created)
    assert not again.schedule and not again.cancel
    deleted = plan(engine, TaskChange("e2", task("t1", {"r1": at}), deleted=True))
    assert deleted.cancel == {"r1"} and not deleted.schedule
    # the same delivery holding a duplicate and a new event: only the new one counts
    reopened = plan(engine, created, TaskChange("e3", task("t1", {"r1": at}), deleted=False))
    assert set(reopened.schedule) == {"r1"} and reopened.cause == {"r1": "e3"}
    with Session(engine) as session:
        claims = session.exec(select(ProcessedEvent.event_id)).all()
    assert sorted(claims) == ["e1", "e2", "e3"]


def test_a_fired_reminder_gets_no_new_job_until_it_is_moved(engine: Engine) -> None:
    at = NOW - timedelta(minutes=1)
    plan(engine, TaskChange("e1", task("t1", {"r1": at}), deleted=False))
    with Session(engine) as session:
        assert fire(session, "r1", NOW) is not None
    renamed = plan(engine, TaskChange("e2", task("t1", {"r1": at}, title="new"), deleted=False))
    assert not renamed.schedule and not renamed.cancel
    later = NOW + timedelta(hours=1)
    moved = plan(engine, TaskChange("e3", task("t1", {"r1": later}), deleted=False))
    assert set(moved.schedule) == {"r1"} and rows(engine)["r1"].fired_at is None
