"""Programmatic Dapr subscriptions: `GET /dapr/subscribe` plus one POST route per topic.

The same list is read by daprd (sidecar mode) and by the embedded runtime.
A malformed event is dropped (to the dead-letter topic) with one log line; a handler error
asks for a retry, unless it is a `PermanentFailure` (retrying cannot help), which drops the
event with its reason logged; a redelivered event id is acknowledged without effect.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from backend_services.contracts import CloudEvent, EventPayload
from backend_services.platform.inputs import json_safe

log = logging.getLogger("todo.subscriptions")

Handler = Callable[[CloudEvent, EventPayload], Any]
RawHandler = Callable[[dict[str, Any]], Any]


class PermanentFailure(Exception):
    """Raised by a handler for an event that no retry can process: answered DROP, so the
    runtime moves it to the dead-letter topic, and the message (the reason) is logged."""


@dataclass(frozen=True)
class Subscribed:
    pubsub: str
    topic: str
    route: str
    handler: Handler | None = None
    raw_handler: RawHandler | None = None
    dead_letter: bool = True


def mount_subscriptions(app: FastAPI, subs: list[Subscribed]) -> None:
    @app.get("/dapr/subscribe", include_in_schema=False)
    def dapr_subscribe() -> list[dict[str, Any]]:
        return [
            {
                "pubsubname": s.pubsub,
                "topic": s.topic,
                "route": s.route,
                **({"deadLetterTopic": f"{s.topic}-dlq"} if s.dead_letter else {}),
                "metadata": {"rawPayload": "false"},
            }
            for s in subs
        ]

    for sub in subs:
        app.add_api_route(sub.route, _endpoint(sub), methods=["POST"], include_in_schema=False)


def _endpoint(sub: Subscribed) -> Callable[[Request], Any]:
    async def receive(request: Request) -> dict[str, str]:
        raw = await request.body()
        if sub.raw_handler is not None:
            return await _receive_raw(sub, sub.raw_handler, raw)
        assert sub.handler is not None
        try:
            event = CloudEvent.model_validate_json(raw)
            payload = event.payload()
        except (ValidationError, KeyError, ValueError) as exc:
            log.warning("dropping malformed event on %s: %s", sub.topic, _one_line(exc))
            return {"status": "DROP"}
        try:
            if inspect.iscoroutinefunction(sub.handler):
                await sub.handler(event, payload)
            else:
                await run_in_threadpool(sub.handler, event, payload)
        except IntegrityError:
            log.info("event %s already processed on %s", event.id, sub.topic)
        except PermanentFailure as exc:
            log.warning("dropping event %s on %s: %s", event.id, sub.topic, _one_line(exc))
            return {"status": "DROP"}
        except Exception:
            log.exception("handler for %s failed on event %s", sub.topic, event.id)
            return {"status": "RETRY"}
        return {"status": "SUCCESS"}

    return receive


async def _receive_raw(sub: Subscribed, handler: RawHandler, raw: bytes) -> dict[str, str]:
    """Dead-letter topics: keep whatever arrived, parseable or not, encodable or not."""
    try:
        body = json_safe(json.loads(raw))
    except (ValueError, RecursionError):  # not JSON, not UTF-8, nested beyond reason
        body = {"unparseable": raw.decode("utf-8", "replace")[:100_000]}
    if not isinstance(body, dict):
        body = {"unparseable": body}
    try:
        await run_in_threadpool(handler, body)
    except IntegrityError:
        pass
    except Exception:
        log.exception("raw handler for %s failed", sub.topic)
        return {"status": "RETRY"}
    return {"status": "SUCCESS"}


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]
