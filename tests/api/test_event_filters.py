"""A subscription that acts on some events only (`Subscribed.event_types`, `accepts`): over
HTTP (daprd's delivery) the others are acknowledged without reaching the handler, one at a
time and in a bulk delivery; the embedded runtime does not deliver them at all, and its
offset still moves past them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend_services.contracts import PUBSUB, CloudEvent, EventPayload, UserDeleted
from backend_services.platform.app_support import shared_engine
from backend_services.platform.embedded_runtime import EmbeddedRuntime
from backend_services.platform.schema_check import ensure_schema
from backend_services.platform.subscriptions import Subscribed, mount_subscriptions
from tests.support.embedded_env import eventually

pytestmark = pytest.mark.anyio
TOPIC = "filter-test"


def _user_deleted(user_id: str) -> CloudEvent:
    payload = UserDeleted(user_id=user_id, deleted_at=datetime.now(UTC))
    return CloudEvent.wrap(payload, source="test")


def _other(event_id: str) -> dict[str, Any]:
    return {"id": event_id, "source": "test", "type": "todo.task.created.v1", "data": {}}


def _app(handled: list[str]) -> FastAPI:
    app = FastAPI()

    def on_event(event: CloudEvent, payload: EventPayload) -> None:
        handled.append(event.id)

    mount_subscriptions(
        app,
        [
            Subscribed(
                PUBSUB,
                TOPIC,
                "/events/filtered",
                on_event,
                event_types=frozenset({UserDeleted.event_type}),
                accepts=lambda event: event.get("data", {}).get("user_id") != "nobody-here",
            )
        ],
    )
    return app


async def test_http_delivery_acknowledges_what_the_consumer_does_not_act_on() -> None:
    handled: list[str] = []
    transport = httpx.ASGITransport(app=_app(handled))
    wanted = _user_deleted("alice").model_dump(mode="json")
    unwanted_user = _user_deleted("nobody-here").model_dump(mode="json")
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
        one = await http.post("/events/filtered", content=json.dumps(_other("other-1")))
        assert one.json() == {"status": "SUCCESS"}
        bulk = {
            "entries": [
                {"entryId": "1", "event": wanted},
                {"entryId": "2", "event": _other("other-2")},
                {"entryId": "3", "event": unwanted_user},
            ]
        }
        answer = (await http.post("/events/filtered", content=json.dumps(bulk))).json()
    assert sorted((s["entryId"], s["status"]) for s in answer["statuses"]) == [
        ("1", "SUCCESS"),
        ("2", "SUCCESS"),
        ("3", "SUCCESS"),
    ]
    assert handled == [wanted["id"]]


async def test_embedded_runtime_delivers_only_what_the_consumer_acts_on(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'todo.db'}"
    ensure_schema(url, shared_engine(url))
    handled: list[str] = []
    runtime = EmbeddedRuntime(shared_engine(url), tmp_path / "secrets.json")
    app = _app(handled)
    delivered: list[Any] = []  # what reaches the route's receiver at all
    receive = app.state.event_receivers["/events/filtered"]

    async def counted(raw: bytes) -> dict[str, Any]:
        delivered.extend(e["event"]["id"] for e in json.loads(raw).get("entries", []))
        return await receive(raw)  # type: ignore[no-any-return]

    app.state.event_receivers["/events/filtered"] = counted
    runtime.register("filtered", app)
    await runtime.start()
    try:
        first = _user_deleted("alice")
        await runtime.publish(PUBSUB, TOPIC, CloudEvent.model_validate(_other("other-1")))
        await runtime.publish(PUBSUB, TOPIC, first)
        await runtime.publish(PUBSUB, TOPIC, _user_deleted("nobody-here"))
        last = _user_deleted("bob")
        await runtime.publish(PUBSUB, TOPIC, last)

        async def both() -> bool:
            return len(handled) >= 2

        await eventually(both, what="the two wanted events")
        feed = runtime.log.feeds[0]

        async def past_all() -> bool:
            return feed.cursor >= 4

        await eventually(past_all, what="the offset past every event")
    finally:
        await runtime.aclose()
    assert handled == [first.id, last.id]
    assert sorted(delivered) == sorted(handled)
