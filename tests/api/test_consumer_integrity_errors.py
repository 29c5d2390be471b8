"""A handler's integrity error is a failure, not a duplicate (issue 14): only a second claim
of one event id in `processed_events` is acknowledged as already processed. Any other
constraint a handler hits (its own unique key here) is answered RETRY, so the runtime retries
and, once its policy gives up, moves the event to the dead-letter topic.

On SQLite and on the test PostgreSQL server: the two report the violated key differently."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Column, Engine, MetaData, String, Table, insert
from sqlmodel import Session

from backend_services.contracts import PUBSUB, CloudEvent, EventPayload, TaskDeleted, Topic
from backend_services.platform.db import make_engine
from backend_services.platform.idempotency import ProcessedEvent, claim
from backend_services.platform.subscriptions import Subscribed, mount_subscriptions
from backend_services.platform.timeutil import utcnow

pytestmark = pytest.mark.anyio

LABELS = Table("labels", MetaData(), Column("name", String(50), primary_key=True))


@pytest.fixture
def engine(tmp_path: Path, database_url: str | None) -> Iterator[Engine]:
    engine = make_engine(database_url or f"sqlite:///{tmp_path / 'consumer.db'}")
    ProcessedEvent.__table__.create(engine)  # type: ignore[attr-defined]
    LABELS.create(engine)
    yield engine
    engine.dispose()


def event(event_id: str) -> dict[str, Any]:
    now = utcnow().isoformat()
    task = {
        "id": "t1", "user_id": "ann", "title": "x", "status": "pending", "priority": "none",
        "created_at": now, "updated_at": now,
    }  # fmt: skip
    payload = TaskDeleted.model_validate({"user_id": "ann", "task": task})
    return CloudEvent.wrap(payload, source="test", event_id=event_id).model_dump(mode="json")


def app_with(engine: Engine) -> FastAPI:
    def same_label_twice(_event: CloudEvent, _payload: EventPayload) -> None:
        # the handler's own unique key: the second insert violates `labels`' primary key
        with Session(engine) as session:
            session.execute(insert(LABELS).values(name="urgent"))
            session.execute(insert(LABELS).values(name="urgent"))
            session.commit()

    def claim_as_plain_insert(event: CloudEvent, _payload: EventPayload) -> None:
        # a redelivery whose claim row is inserted without ON CONFLICT (a racing replica)
        with Session(engine) as session:
            session.add(ProcessedEvent(consumer="c", event_id=event.id))
            session.commit()

    def batch_same_label(events: list[tuple[CloudEvent, EventPayload]]) -> None:
        for _event, _payload in events:
            same_label_twice(_event, _payload)

    app = FastAPI()
    mount_subscriptions(
        app,
        [
            Subscribed(PUBSUB, Topic.TASK_EVENTS.value, "/events/label", handler=same_label_twice),
            Subscribed(PUBSUB, "claims", "/events/claim", handler=claim_as_plain_insert),
            Subscribed(PUBSUB, "bulk", "/events/bulk", batch_handler=batch_same_label),
        ],
    )
    return app


async def post(app: FastAPI, route: str, body: dict[str, Any]) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        response = await client.post(route, json=body)
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


async def test_another_integrity_error_is_retried_not_acknowledged(engine: Engine) -> None:
    app = app_with(engine)
    assert await post(app, "/events/label", event("e1")) == {"status": "RETRY"}
    with Session(engine) as session:  # nothing was kept, and the event is not claimed
        assert session.execute(LABELS.select()).all() == []
        assert claim(session, "c", "e1") is True


async def test_in_a_bulk_delivery_each_event_is_retried(engine: Engine) -> None:
    bulk = {"entries": [{"entryId": f"n{i}", "event": event(f"b{i}")} for i in range(2)]}
    answer = await post(app_with(engine), "/events/bulk", bulk)
    assert answer == {
        "statuses": [{"entryId": "n0", "status": "RETRY"}, {"entryId": "n1", "status": "RETRY"}]
    }


async def test_a_second_claim_of_one_event_is_acknowledged_as_a_duplicate(engine: Engine) -> None:
    app = app_with(engine)
    assert await post(app, "/events/claim", event("e2")) == {"status": "SUCCESS"}
    assert await post(app, "/events/claim", event("e2")) == {"status": "SUCCESS"}
    with Session(engine) as session:
        assert claim(session, "c", "e2") is False


def test_claim_is_true_once_per_consumer_and_event(engine: Engine) -> None:
    with Session(engine) as session:
        assert claim(session, "c", "e3") is True
        assert claim(session, "c", "e3") is False
        assert claim(session, "other", "e3") is True
