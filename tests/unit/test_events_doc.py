"""docs/events.md's topic → consumer table is the handlers' declarations, rendered."""

from __future__ import annotations

from dataclasses import replace

from backend_services.contracts import PUBSUB, Topic
from backend_services.platform.event_handlers import EventHandlers, consumer_table
from launch import events_doc


def test_the_doc_shows_the_declared_consumers() -> None:
    doc = events_doc.EVENTS_DOC.read_text()
    assert events_doc.with_table(doc) == doc, "run: python -m launch.events_doc --write"


def test_a_changed_declaration_changes_the_table() -> None:
    before = consumer_table(events_doc.EVERY_APP)
    moved = EventHandlers("audit-service")
    moved.declared = [replace(d, route="/elsewhere") for d in events_doc.EVERY_APP[4].declared]
    after = consumer_table((*events_doc.EVERY_APP[:4], moved, *events_doc.EVERY_APP[5:]))
    assert "/elsewhere" in after and after != before


def test_every_topic_and_dead_letter_topic_has_a_consumer() -> None:
    consumed = {d.topic for app in events_doc.EVERY_APP for d in app.declared}
    for topic in Topic:
        assert topic.value in consumed
        assert topic.dead_letter in consumed


def test_routes_are_unique_within_an_app() -> None:
    for app in events_doc.EVERY_APP:
        routes = [d.route for d in app.declared]
        assert len(routes) == len(set(routes)), app.app_id
        assert all(d.app_id == app.app_id for d in app.declared)


def test_a_declaration_builds_the_subscription() -> None:
    handlers = EventHandlers("some-app")
    calls: list[tuple[object, ...]] = []

    @handlers.batch(PUBSUB, Topic.REMINDERS, "/events/r")
    def on_batch(ctx: object, events: list[object]) -> None:
        calls.append((ctx, events))

    @handlers.event(PUBSUB, Topic.TASK_EVENTS, "/events/t", bulk=False, dead_letter=False)
    def on_event(ctx: object, event: object, payload: object) -> None:
        calls.append((ctx, event, payload))

    ctx = object()
    batch, single = handlers.subscriptions(ctx)  # type: ignore[arg-type]
    assert (batch.topic, batch.route, batch.handler) == ("reminders", "/events/r", None)
    assert batch.batch_handler is not None
    batch.batch_handler([])
    assert (single.bulk, single.dead_letter, single.batch_handler) == (False, False, None)
    assert single.handler is not None
    single.handler("e", "p")  # type: ignore[arg-type]
    assert calls == [(ctx, []), (ctx, "e", "p")]
    assert on_batch.__name__ == "on_batch" and on_event.__name__ == "on_event"
