"""Server spans and HTTP metrics for every service app, as one pure ASGI middleware.

A request's span continues the caller's W3C trace context (daprd forwards `traceparent` on
invocation; the embedded runtime sets it on its in-process calls). Spans and series are named
by route template (`/tasks/{task_id}`), never by raw path. Liveness probes and the
subscription routes are not traced here: each delivered event gets its own consumer span,
parented on the trace context the event carries (see subscriptions.py).
"""

from __future__ import annotations

import time
from typing import Any

from opentelemetry.trace import SpanKind
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend_services.platform.telemetry import metrics, tracing

UNTRACED_PATHS = {"/healthz", "/dapr/subscribe", "/dapr/config"}
# job triggers start their own span, linked to the trace that scheduled the job
UNTRACED_PREFIXES = ("/job/",)


class TelemetryMiddleware:
    def __init__(self, app: ASGIApp, app_id: str, untraced: set[str]) -> None:
        self.app = app
        self.app_id = app_id
        self.untraced = untraced  # shared with mount_subscriptions, filled as routes mount

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            # FastAPI's own (native) telemetry stays out: a mounted FastAPI app (Chainlit's)
            # would add a second server span, and a span per websocket connection would
            # parent every chat turn of a session
            scope["fastapi.telemetry"] = None
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        status = [500]

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        started = time.perf_counter()
        if path in UNTRACED_PATHS or path in self.untraced or path.startswith(UNTRACED_PREFIXES):
            try:
                await self.app(scope, receive, send_and_note)
            finally:
                self._count(scope, method, status[0], started)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        with tracing.tracer().start_as_current_span(
            f"{method} {path}",
            context=tracing.extract(headers),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "todo.app_id": self.app_id},
        ) as span:
            try:
                await self.app(scope, receive, send_and_note)
            finally:
                route = _route(scope)
                if span.is_recording():
                    span.update_name(f"{method} {route}")
                    span.set_attribute("http.route", route)
                    span.set_attribute("http.response.status_code", status[0])
                    if status[0] >= 500:
                        tracing.mark_error(span, f"status {status[0]}")
                self._count(scope, method, status[0], started)

    def _count(self, scope: Scope, method: str, status: int, started: float) -> None:
        route = _route(scope)
        metrics.HTTP_REQUESTS.labels(self.app_id, method, route, str(status)).inc()
        metrics.HTTP_LATENCY.labels(self.app_id, method, route).observe(
            time.perf_counter() - started
        )


def _route(scope: Scope) -> str:
    """The matched route's template; paths no route matched share one label."""
    route: Any = scope.get("route")
    template = getattr(route, "path", None)
    return template or "(unmatched)"
