"""Traces, metrics and logs of the embedded product (issue 15): one request's trace crosses
invocation, the outbox, pub/sub and the reminder job; the metrics name what happened."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import REGISTRY, generate_latest

from agent.service import Agent
from backend_services.contracts import PUBSUB, AppId, CloudEvent, Topic
from backend_services.platform.telemetry import tracing
from backend_services.platform.telemetry.logs import JsonFormatter
from backend_services.platform.telemetry.metrics import metrics_app
from launch.serve import dispatch_by_port
from tests.support.embedded_env import EmbeddedEnv, eventually

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.configure_tracing(None, 1.0, "todo-test", exporter=exporter)
    yield exporter
    exporter.shutdown()  # later spans of the session are no longer kept


def _trace(span: ReadableSpan) -> int:
    assert span.context is not None
    return span.context.trace_id


def _named(exporter: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.name == name]


def _metrics() -> str:
    return generate_latest(REGISTRY).decode()


async def test_one_request_is_one_trace_across_outbox_pubsub_and_the_reminder_job(
    env: EmbeddedEnv, spans: InMemorySpanExporter
) -> None:
    alice = env.user("alice")
    at = datetime.now(UTC) + timedelta(seconds=1.5)
    with tracing.tracer().start_as_current_span("test caller") as root:
        resp = await env.client.post(
            "/tasks",
            headers=tracing.inject(alice),
            json={"title": "stretch", "reminders": [{"at": at.isoformat()}]},
        )
    assert resp.status_code == 201, resp.text
    trace_id = root.get_span_context().trace_id

    def in_trace(name: str) -> list[ReadableSpan]:
        return [s for s in _named(spans, name) if _trace(s) == trace_id]

    async def reached_reminder_service() -> list[ReadableSpan]:
        return [
            s
            for s in in_trace("handle task-events")
            if s.attributes and s.attributes.get("todo.app_id") == AppId.REMINDERS.value
        ]

    await eventually(reached_reminder_service, what="reminder-service's span in the trace")
    server = in_trace("POST /tasks")
    assert len(server) == 1 and server[0].parent is not None
    assert server[0].parent.span_id == root.get_span_context().span_id
    publish = in_trace("publish task-events")
    assert publish, "the relay's publish continues the request's trace"
    consumers = {s.attributes.get("todo.app_id") for s in in_trace("handle task-events")}
    assert {AppId.REMINDERS.value, AppId.AUDIT.value} <= consumers
    assert all(
        s.parent and s.parent.span_id in {p.context.span_id for p in publish}
        for s in in_trace("handle task-events")
    )

    # the reminder fires later in a trace of its own, linked back to this one
    async def fired() -> list[ReadableSpan]:
        return _named(spans, "reminder job fired")

    job = (await eventually(fired, what="the reminder's job span"))[0]
    assert _trace(job) != trace_id
    assert [link.context.trace_id for link in job.links] == [trace_id]

    async def notified() -> list[ReadableSpan]:
        return [s for s in _named(spans, "handle reminders") if _trace(s) == _trace(job)]

    await eventually(notified, what="the firing's trace reaching notification-service")
    text = _metrics()
    assert 'todo_reminder_lateness_seconds_count{path="job"}' in text


async def test_metrics_name_requests_events_outbox_and_dead_letters(env: EmbeddedEnv) -> None:
    alice = env.user("alice")
    assert (await env.client.post("/tasks", headers=alice, json={"title": "x"})).status_code == 201
    unknown = f"/tasks/{uuid.uuid4()}"  # an id of the right shape: 404 (a wrong shape is 422)
    assert (await env.client.get(unknown, headers=alice)).status_code == 404
    # a malformed event is dropped, dead-lettered and kept by audit-service
    bad = CloudEvent(id="bad-metrics-1", source="test", type="todo.task.created.v1", data={})
    await env.runtime.publish(PUBSUB, Topic.TASK_EVENTS.value, bad)

    def series() -> str | None:
        text = _metrics()
        wanted = (
            'todo_http_requests_total{app="task-service",method="POST",route="/tasks",status="201"}',
            'route="/tasks/{task_id}",status="404"',
            'todo_http_request_duration_seconds_bucket{app="task-service"',
            'todo_events_handled_total{app="reminder-service",result="SUCCESS",topic="task-events"}',
            'result="DROP",topic="task-events"',
            'todo_dead_letters_total{app="audit-service",topic="task-events-dlq"}',
            'todo_outbox_published_total{source="task-service"}',
            'todo_outbox_lag_seconds{source="task-service"}',
        )
        return text if all(w in text for w in wanted) else None

    async def check() -> str | None:
        return series()

    text = await eventually(check, what="every named series")
    assert "nope" not in text  # ids never become labels


async def test_agent_turn_tool_and_invocation_spans(
    env: EmbeddedEnv, spans: InMemorySpanExporter
) -> None:
    env.user("bob")
    token = env.signer().issue("bob", "user", 600)
    agent = Agent(env.runtime.for_app(AppId.CHAT_UI.value), None)
    events = [e async for e in agent.turn(token, "bob", "conv-1", "add buy milk tomorrow")]
    assert events
    turn = _named(spans, "agent turn")[-1]
    below = [s for s in spans.get_finished_spans() if _trace(s) == _trace(turn)]
    names = {s.name for s in below}
    assert {"tool add_task", "invoke task-service", "POST /tasks"} <= names, names
    text = _metrics()
    assert 'todo_agent_turns_total{mode="offline"}' in text
    assert 'todo_agent_tool_calls_total{result="ok",tool="add_task"}' in text


async def test_metrics_listener_is_separate_from_the_app() -> None:
    """serve --metrics-port: that listener answers the exposition, the app's do not."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    dispatch = dispatch_by_port(app, {9464: metrics_app()})

    async def get(port: int) -> httpx.Response:
        transport = httpx.ASGITransport(app=dispatch, client=("127.0.0.1", 1))
        # the scope's server port is what the dispatcher reads
        async with httpx.AsyncClient(transport=transport, base_url=f"http://127.0.0.1:{port}") as c:
            return await c.get("/metrics")

    scraped = await get(9464)
    assert scraped.status_code == 200 and "todo_http_requests_total" in scraped.text
    assert (await get(8000)).status_code == 404


def test_json_log_lines_carry_trace_and_span_ids(spans: InMemorySpanExporter) -> None:
    record = logging.makeLogRecord(
        {
            "name": "todo.x",
            "levelname": "INFO",
            "msg": "hi %s",
            "args": ("there",),
            "topic": "task-events",
        }
    )
    with tracing.tracer().start_as_current_span("logged") as span:
        line = json.loads(JsonFormatter("task-service").format(record))
    ctx = span.get_span_context()
    assert line["message"] == "hi there" and line["service"] == "task-service"
    assert line["trace_id"] == f"{ctx.trace_id:032x}" and line["span_id"] == f"{ctx.span_id:016x}"
    assert line["topic"] == "task-events"  # `extra=` fields are kept
    assert "trace_id" not in json.loads(JsonFormatter("x").format(record))
