"""Prometheus metrics of every service (the default registry, one per process).

Labels hold route templates, topics, tool names and outcomes only: never a user, task or
reminder id, so the series are few and the endpoint reveals no one's data. It is still
served on its own listener (`serve --metrics-port`), never on the public one."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics, make_asgi_app
from starlette.types import ASGIApp

disable_created_metrics()  # type: ignore[no-untyped-call]  # no `_created` twin of every series

HTTP_REQUESTS = Counter(
    "todo_http_requests",
    "HTTP requests served, by app, method, route template and status code",
    ["app", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "todo_http_request_duration_seconds",
    "Time to serve an HTTP request, by app, method and route template",
    ["app", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_HANDLED = Counter(
    "todo_events_handled",
    "Events handled by subscription handlers, by app, topic and answer (SUCCESS, RETRY, DROP)",
    ["app", "topic", "result"],
)
DEAD_LETTERS = Counter(
    "todo_dead_letters",
    "Events received on a dead-letter topic (by audit-service), by topic",
    ["app", "topic"],
)
OUTBOX_LAG = Gauge(
    "todo_outbox_lag_seconds",
    "Age of the oldest outbox row the relay last found unpublished (0: drained)",
    ["source"],
)
OUTBOX_PUBLISHED = Counter(
    "todo_outbox_published", "Outbox rows published and forgotten, by source", ["source"]
)
REMINDER_LATENESS = Histogram(
    "todo_reminder_lateness_seconds",
    "How long after its time a reminder was fired, by path (job trigger or minute sweep)",
    ["path"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900),
)
AGENT_TURNS = Counter("todo_agent_turns", "Chat turns run by the agent, by mode", ["mode"])
AGENT_TOOL_CALLS = Counter(
    "todo_agent_tool_calls", "Tool calls made by the agent, by tool and result", ["tool", "result"]
)
LLM_CALLS = Counter("todo_llm_calls", "Calls to the LLM, by result", ["result"])


def metrics_app() -> ASGIApp:
    """The Prometheus text exposition of this process's registry, as an ASGI app."""
    app: ASGIApp = make_asgi_app()
    return app
