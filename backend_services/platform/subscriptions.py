"""Programmatic Dapr subscriptions: `GET /dapr/subscribe` plus one POST route per topic.

The same list is read by daprd (sidecar mode) and by the embedded runtime.
Event routes accept Dapr's bulk delivery (`bulkSubscribe`: many events in one POST, one status
per entry) as well as single events; each entry is handled on its own, in order.
A malformed event is dropped (to the dead-letter topic) with one log line; a handler error
asks for a retry, unless it is a `PermanentFailure` (retrying cannot help), which drops the
event with its reason logged; a redelivered event id is acknowledged without effect (its
claim in `processed_events` conflicts: `idempotency.is_duplicate_claim`; any other integrity
error is a failure like the rest).
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind
from pydantic import ValidationError
from pydantic_core import from_json
from sqlalchemy.exc import IntegrityError

from backend_services.contracts import CloudEvent, EventPayload
from backend_services.platform.idempotency import is_duplicate_claim
from backend_services.platform.inputs import json_safe
from backend_services.platform.telemetry import metrics, tracing

log = logging.getLogger("todo.subscriptions")

Handler = Callable[[CloudEvent, EventPayload], Any]
# A bulk delivery's well-formed events in one call (one thread hop, one transaction; or a
# coroutine, awaited); if it raises, each event is handled again on its own, so one bad
# event cannot fail the rest.
BatchHandler = Callable[[list[tuple[CloudEvent, EventPayload]]], Any]
RawHandler = Callable[[dict[str, Any]], Any]
# a delivery's body (one CloudEvent, or Dapr's bulk envelope) → the answer the route gives
EventReceiver = Callable[[bytes], Awaitable[dict[str, Any]]]


class PermanentFailure(Exception):
    """Raised by a handler for an event that no retry can process: answered DROP, so the
    runtime moves it to the dead-letter topic, and the message (the reason) is logged."""


# Up to 100 events per delivery, waiting at most 100 ms to fill one: under load one HTTP
# request (daprd → app) carries many events; alone, an event waits 100 ms at worst (daprd
# wakes at that period per subscription even when idle: 10 ms cost ~2% of a core each).
BULK_SUBSCRIBE = {"enabled": True, "maxMessagesCount": 100, "maxAwaitDurationMs": 100}


@dataclass(frozen=True)
class Subscribed:
    pubsub: str
    topic: str
    route: str
    handler: Handler | None = None
    raw_handler: RawHandler | None = None
    dead_letter: bool = True
    # bulk delivery (BULK_SUBSCRIBE) trades up to its wait for fewer requests under load;
    # off where a lone event must be handled at once and volume is low
    bulk: bool = True
    # handles a whole bulk delivery at once; also serves single events when `handler` is unset
    batch_handler: BatchHandler | None = None
    # the CloudEvent types this consumer acts on (None: every type); an event of another
    # type is acknowledged at once, before it is parsed, traced, logged or handled (only
    # counted as handled; the embedded runtime does not deliver it at all: `event_filters`)
    event_types: frozenset[str] | None = None
    # a cheap test of the event as delivered (its JSON form), after the type: False
    # acknowledges it unhandled too (chat-ui: a change for a user with no open session)
    accepts: Callable[[dict[str, Any]], bool] | None = None


def mount_subscriptions(app: FastAPI, subs: list[Subscribed]) -> None:
    @app.get("/dapr/subscribe", include_in_schema=False)
    def dapr_subscribe() -> list[dict[str, Any]]:
        return [
            {
                "pubsubname": s.pubsub,
                "topic": s.topic,
                "route": s.route,
                **({"deadLetterTopic": f"{s.topic}-dlq"} if s.dead_letter else {}),
                **({"bulkSubscribe": BULK_SUBSCRIBE} if s.bulk and s.raw_handler is None else {}),
                "metadata": {"rawPayload": "false"},
            }
            for s in subs
        ]

    app_id = str(getattr(getattr(app.state, "ctx", None), "app_id", "app"))
    untraced: set[str] = getattr(app.state, "untraced_paths", set())
    # the same handling by route, for a runtime in this process (the embedded one): it hands
    # over the delivery's body and takes the answer, without an HTTP request through the
    # app's middleware (the route's answer is this function's, as JSON)
    receivers: dict[str, EventReceiver] = {}
    for sub in subs:
        receivers[sub.route] = _receiver(sub, app_id)
        app.add_api_route(
            sub.route, _endpoint(receivers[sub.route]), methods=["POST"], include_in_schema=False
        )
        untraced.add(sub.route)  # each event gets its own span instead (below)
    app.state.event_receivers = receivers
    app.state.event_filters = {
        sub.route: partial(_wanted, sub)
        for sub in subs
        if sub.event_types is not None or sub.accepts is not None
    }


def event_receivers(app: Any) -> dict[str, EventReceiver]:
    """The routes `mount_subscriptions` put on `app`, each with its in-process receiver."""
    found = getattr(getattr(app, "state", None), "event_receivers", None)
    return found if isinstance(found, dict) else {}


def event_filters(app: Any) -> dict[str, Callable[[Any], bool]]:
    """For the routes of `app` that act on some events only: whether one is wanted."""
    found = getattr(getattr(app, "state", None), "event_filters", None)
    return found if isinstance(found, dict) else {}


def _wanted(sub: Subscribed, event: Any) -> bool:
    if sub.event_types is not None and (
        not isinstance(event, dict) or event.get("type") not in sub.event_types
    ):
        return False
    if sub.accepts is not None and isinstance(event, dict):
        try:
            return sub.accepts(event)
        except Exception:  # a filter's doubt delivers: the handler decides
            log.exception("event filter of %s raised", sub.route)
    return True


def _endpoint(receiver: EventReceiver) -> Callable[[Request], Any]:
    async def receive(request: Request) -> dict[str, Any]:
        return await receiver(await request.body())

    return receive


def _receiver(sub: Subscribed, app_id: str) -> EventReceiver:
    async def receive(raw: bytes) -> dict[str, Any]:
        if sub.raw_handler is not None:
            return await _receive_raw(sub, sub.raw_handler, raw, app_id)
        strict = True
        try:  # pydantic's parser refuses what cannot be text (an unpaired surrogate escape)
            body = from_json(raw)
        except ValueError as exc:
            try:  # a bulk delivery may hold one such event among good ones: find it
                body, strict = json.loads(raw), False
            except ValueError:
                log.warning("dropping malformed event on %s: %s", sub.topic, _one_line(exc))
                return {"status": "DROP"}
        if isinstance(body, dict) and isinstance(body.get("entries"), list):
            entries, skipped = [], []
            for entry in body["entries"]:
                entry = entry if isinstance(entry, dict) else {}
                event = entry.get("event")
                entry_id = str(entry.get("entryId", ""))
                if not _wanted(sub, event):
                    skipped.append(entry_id)
                    metrics.EVENTS_HANDLED.labels(app_id, sub.topic, "SUCCESS").inc()
                    continue
                entries.append((entry_id, event if strict else _strict(event)))
            statuses: list[str] = []
            if not entries:
                pass
            elif sub.batch_handler is not None:
                statuses = await _handle_batch(sub, sub.batch_handler, entries, app_id)
            else:
                statuses = [await _handle(sub, event, app_id) for _, event in entries]
            return {
                "statuses": [
                    *(
                        {"entryId": entry_id, "status": status}
                        for (entry_id, _), status in zip(entries, statuses, strict=True)
                    ),
                    *({"entryId": entry_id, "status": "SUCCESS"} for entry_id in skipped),
                ]
            }
        if not _wanted(sub, body):
            metrics.EVENTS_HANDLED.labels(app_id, sub.topic, "SUCCESS").inc()
            return {"status": "SUCCESS"}
        return {"status": await _handle(sub, body if strict else None, app_id)}

    return receive


def _parse(sub: Subscribed, data: Any) -> tuple[CloudEvent, EventPayload] | None:
    """The event and its typed payload, or None (logged) when it is malformed."""
    try:
        if isinstance(data, str | bytes):
            data = json.loads(data)
        event = CloudEvent.model_validate(data)
        return event, event.payload()
    except (ValidationError, KeyError, ValueError) as exc:
        log.warning("dropping malformed event on %s: %s", sub.topic, _one_line(exc))
        return None


async def _handle_batch(
    sub: Subscribed, batch: BatchHandler, entries: list[tuple[str, Any]], app_id: str
) -> list[str]:
    """Statuses for a bulk delivery: the well-formed events go to `batch` together; if that
    fails, each is handled on its own (its own status: a retry, a drop, or success)."""
    parsed = [_parse(sub, data) for _, data in entries]
    good = [item for item in parsed if item is not None]
    for _ in range(len(parsed) - len(good)):
        metrics.EVENTS_HANDLED.labels(app_id, sub.topic, "DROP").inc()
    results: list[str] = []
    if good:
        with _consumer_spans(sub, app_id, [event for event, _ in good]) as spans:
            try:
                await _call_batch(batch, good)
                results = ["SUCCESS"] * len(good)
            except Exception as exc:
                log.info(
                    "batch of %d on %s failed (%s); handling them one by one",
                    len(good),
                    sub.topic,
                    _one_line(exc),
                )
                for span, item in zip(spans, good, strict=True):
                    with trace.use_span(span, end_on_exit=False):
                        results.append(await _dispatch(sub, *item))
        _finish(sub, app_id, [event for event, _ in good], spans, results)
    done = iter(results)
    return ["DROP" if item is None else next(done) for item in parsed]


async def _handle(sub: Subscribed, data: Any, app_id: str) -> str:
    """One event: SUCCESS, RETRY or DROP, counted by answer."""
    parsed = _parse(sub, data)
    if parsed is None:
        metrics.EVENTS_HANDLED.labels(app_id, sub.topic, "DROP").inc()
        return "DROP"
    with _consumer_spans(sub, app_id, [parsed[0]]) as spans:
        status = await _dispatch(sub, *parsed)
    _finish(sub, app_id, [parsed[0]], spans, [status])
    return status


@contextmanager
def _consumer_spans(sub: Subscribed, app_id: str, events: list[CloudEvent]) -> Iterator[list[Span]]:
    """A consumer span per event, child of the span that published it (the context travels
    in the CloudEvent's `traceparent`, per event even in a bulk delivery). The first is the
    current span while the handler runs: what a batch stages continues that event's trace
    (a lone event, the usual case at low volume, is exact)."""
    spans = [
        tracing.tracer().start_span(
            f"handle {sub.topic}",
            context=tracing.context_from(event.traceparent, event.tracestate),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.destination.name": sub.topic,
                "messaging.message.id": event.id,
                "cloudevents.event_type": event.type,
                "messaging.batch.message_count": len(events),
                "todo.app_id": app_id,
            },
        )
        for event in events
    ]
    token = otel_context.attach(trace.set_span_in_context(spans[0]))
    try:
        yield spans
    finally:
        otel_context.detach(token)


def _finish(
    sub: Subscribed, app_id: str, events: list[CloudEvent], spans: list[Span], statuses: list[str]
) -> None:
    """End each event's span with its answer; count it; one log line per event and consumer
    carrying its trace id (`todo stack logs --trace`)."""
    for event, span, status in zip(events, spans, statuses, strict=True):
        with trace.use_span(span, end_on_exit=True):
            span.set_attribute("todo.delivery_status", status)
            if status != "SUCCESS":
                tracing.mark_error(span, status)
            log.info("%s %s on %s: %s", event.type, event.id, sub.topic, status)
        metrics.EVENTS_HANDLED.labels(app_id, sub.topic, status).inc()


async def _dispatch(sub: Subscribed, event: CloudEvent, payload: EventPayload) -> str:
    handler = sub.handler
    batch = sub.batch_handler
    try:
        if handler is None:
            assert batch is not None
            await _call_batch(batch, [(event, payload)])
        elif inspect.iscoroutinefunction(handler):
            await handler(event, payload)
        else:
            await run_in_threadpool(handler, event, payload)
    except IntegrityError as exc:
        if not is_duplicate_claim(exc):  # a handler's own constraint: a failure, not a copy
            log.exception("handler for %s failed on event %s", sub.topic, event.id)
            return "RETRY"
        log.info("event %s already processed on %s", event.id, sub.topic)
    except PermanentFailure as exc:
        log.warning("dropping event %s on %s: %s", event.id, sub.topic, _one_line(exc))
        return "DROP"
    except Exception:
        log.exception("handler for %s failed on event %s", sub.topic, event.id)
        return "RETRY"
    return "SUCCESS"


async def _call_batch(batch: BatchHandler, events: list[tuple[CloudEvent, EventPayload]]) -> None:
    if inspect.iscoroutinefunction(batch):
        await batch(events)
    else:
        await run_in_threadpool(batch, events)


async def _receive_raw(
    sub: Subscribed, handler: RawHandler, raw: bytes, app_id: str
) -> dict[str, str]:
    """Dead-letter topics: keep whatever arrived, parseable or not, encodable or not."""
    metrics.DEAD_LETTERS.labels(app_id, sub.topic).inc()
    try:
        body = json_safe(json.loads(raw))
    except (ValueError, RecursionError):  # not JSON, not UTF-8, nested beyond reason
        body = {"unparseable": raw.decode("utf-8", "replace")[:100_000]}
    if not isinstance(body, dict):
        body = {"unparseable": body}
    try:
        await run_in_threadpool(handler, body)
    except Exception:
        log.exception("raw handler for %s failed", sub.topic)
        return {"status": "RETRY"}
    return {"status": "SUCCESS"}


def _strict(event: Any) -> Any:
    """`event` if it survives pydantic's JSON parser, else None (then dropped as malformed)."""
    try:
        return from_json(json.dumps(event))
    except ValueError:
        return None


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]
