"""Traces, metrics and logs on the real stack (issue 15): one chat turn is one trace in
Jaeger from chat-ui through task-service, Kafka and reminder-service; the reminder's firing
is a trace of its own that links back to it; every app's metrics listener names its series
beside daprd's own; `todo stack logs --trace` joins the lines of one trace."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx
import pytest

from backend_services.platform.telemetry import tracing
from devtools.stack.trace_logs import lines_of_trace
from devtools.stack.trace_view import render_tree, search
from tests.integration.harness import RealStack, wait_for

pytestmark = pytest.mark.stack


def _chat_turn(stack: RealStack, token: str, user_id: str, text: str) -> str:
    """One agent turn in this process as chat-ui's agent (through chat-ui's daprd), under a
    span of the test: returns the trace id."""
    from agent.service import Agent
    from backend_services.platform.sidecar_runtime import SidecarRuntime

    async def run() -> str:
        runtime = SidecarRuntime(stack.dapr_http("chat-ui"))
        os.environ["DAPR_HTTP_PORT"] = str(stack.dapr_http("chat-ui"))
        await runtime.start()
        try:
            with tracing.tracer().start_as_current_span("test: one chat turn") as span:
                agent = Agent(runtime, None)
                async for _ in agent.turn(token, user_id, f"conv-{user_id}", text):
                    pass
                return f"{span.get_span_context().trace_id:032x}"
        finally:
            await runtime.stop()

    return asyncio.run(run())


def _trace(stack: RealStack, trace_id: str) -> dict[str, Any] | None:
    resp = httpx.get(f"{stack.trace_api}/api/traces/{trace_id}", timeout=10)
    if resp.status_code != 200:
        return None
    data = resp.json().get("data") or []
    return data[0] if data else None


def _spans(trace: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(service, operation, span) of every span of a Jaeger trace."""
    services = {pid: p["serviceName"] for pid, p in trace["processes"].items()}
    return [(services[s["processID"]], s["operationName"], s) for s in trace["spans"]]


# (service, span) pairs one turn that sets a reminder must show in the stack's processes
EXPECTED = {
    ("task-service", "POST /tasks"),
    ("task-service", "publish task-events"),
    ("reminder-service", "handle task-events"),
}
# and the agent's own spans, from this process (named chat-ui unless an earlier test of
# the session set up tracing first: one tracer provider per process)
AGENT_SPANS = {"agent turn", "tool add_task", "invoke task-service"}


@pytest.fixture(scope="module")
def turn(stack: RealStack) -> dict[str, str]:
    # this process plays chat-ui's agent: its spans go to the stack's Jaeger too
    tracing.configure_tracing(stack.otlp_endpoint, 1.0, "chat-ui")
    user_id, token = stack.new_user("traced")
    trace_id = _chat_turn(stack, token, user_id, "remind me to stretch in 1 minute")
    tracing.flush()
    return {"trace_id": trace_id, "user_id": user_id}


def test_one_chat_turn_is_one_trace_through_kafka_to_reminder_service(
    stack: RealStack, turn: dict[str, str]
) -> None:
    def complete() -> list[tuple[str, str, dict[str, Any]]] | None:
        trace = _trace(stack, turn["trace_id"])
        if trace is None:
            return None
        spans = _spans(trace)
        # each process exports in batches: wait for every part, not just the last hop
        names = {(service, op) for service, op, _ in spans}
        ops = {op for _, op, _ in spans}
        return spans if names >= EXPECTED and ops >= AGENT_SPANS else None

    spans = wait_for(complete, "the turn's trace to reach reminder-service", timeout=120)
    services = {service for service, _, _ in spans}
    # the agent's spans come from this process (chat-ui's name, or an earlier test's), and
    # chat-ui's own process takes no part: it skips task events of users with no open session
    assert {"task-service", "reminder-service"} <= services, services
    assert {op for _, op, _ in spans} >= AGENT_SPANS
    names = {(service, op) for service, op, _ in spans}
    assert ("task-service", "POST /tasks") in names, names  # the app's server span
    # the Kafka hop: reminder-service's handling is a child of task-service's publish
    by_id = {s["spanID"]: (service, op) for service, op, s in spans}
    handled = next(
        s for service, op, s in spans if (service, op) == ("reminder-service", "handle task-events")
    )
    parents = [r["spanID"] for r in handled["references"] if r["refType"] == "CHILD_OF"]
    assert [by_id.get(p) for p in parents] == [("task-service", "publish task-events")]
    # daprd exports to the same backend: the sidecars' own spans are in the trace
    assert len({s["processID"] for _, _, s in spans}) >= 4


def test_reminder_firing_links_back_to_the_turn(stack: RealStack, turn: dict[str, str]) -> None:
    def linked() -> dict[str, Any] | None:
        resp = httpx.get(
            f"{stack.trace_api}/api/traces",
            params={
                "service": "reminder-service",
                "operation": "reminder job fired",
                "lookback": "1h",
                "limit": 100,
            },
            timeout=10,
        )
        for trace in resp.json().get("data") or []:
            for span in trace["spans"]:
                refs = span.get("references") or []
                if any(r["traceID"] == turn["trace_id"] for r in refs):
                    return dict(trace)
        return None

    firing = wait_for(linked, "the reminder's job span linking to the turn", timeout=240)
    assert firing["traceID"] != turn["trace_id"]

    def reached_notifications() -> bool:
        trace = _trace(stack, firing["traceID"])
        return trace is not None and any(
            op == "handle reminders" and service == "notification-service"
            for service, op, _ in _spans(trace)
        )

    wait_for(reached_notifications, "the firing's trace to reach notification-service", 120)
    # `todo stack trace <id>` shows the link; a search by the reminder's id finds the firing
    tree = render_tree(_trace(stack, firing["traceID"]) or {})
    assert any(f"caused by trace {turn['trace_id']}" in line for line in tree), tree
    job = next(s for s in firing["spans"] if s["operationName"] == "reminder job fired")
    rid = next(t["value"] for t in job["tags"] if t["key"] == "todo.reminder_id")
    tags = {t["key"]: t["value"] for t in job["tags"]}
    assert float(tags["todo.reminder.lateness_seconds"]) >= 0, tags  # how late, in the trace
    assert "todo.reminder.remind_at" in tags, tags
    found = search(stack.trace_api, "reminder-service", None, {"todo.reminder_id": rid})
    assert firing["traceID"] in {t["traceID"] for t in found}


def test_stack_logs_follow_one_trace_across_processes(
    stack: RealStack, turn: dict[str, str]
) -> None:
    def joined() -> list[str] | None:
        lines = lines_of_trace(stack.stack.layout.logs, turn["trace_id"])
        processes = {line.split()[1] for line in lines}
        return lines if {"reminder-service", "audit-service"} <= processes else None

    lines = wait_for(joined, "log lines of the turn's trace in two processes", timeout=120)
    created = [line for line in lines if "todo.task.created.v1" in line]
    assert {line.split()[1] for line in created} >= {"reminder-service", "audit-service"}
    assert lines == sorted(lines)  # one time-ordered story


def test_metrics_endpoints_name_their_series(stack: RealStack, turn: dict[str, str]) -> None:
    wanted = {
        "task-service": [
            "todo_http_requests_total{",
            "todo_http_request_duration_seconds_bucket{",
            'todo_outbox_lag_seconds{source="task-service"}',
        ],
        "reminder-service": [
            'todo_events_handled_total{app="reminder-service"',
            "# TYPE todo_reminder_lateness_seconds histogram",
        ],
        "audit-service": [
            "# TYPE todo_dead_letters_total counter",
            'todo_events_handled_total{app="audit-service"',
        ],
        "notification-service": ["# TYPE todo_events_handled_total counter"],
    }
    for app_id, series in wanted.items():

        def exposed(a: str = app_id, w: list[str] = series) -> str | None:
            text = stack.metrics_text(a)
            return text if all(x in text for x in w) else None

        text = wait_for(exposed, f"{app_id}'s series")
        assert turn["user_id"] not in text  # no user id is ever a label
    # beside daprd's own, on the sidecar's metrics port
    assert "dapr_" in stack.daprd_metrics("task-service")
