"""`todo stack logs --trace` and `todo stack trace` on data of the shapes they read (JSON log
lines as the apps write them; a trace as Jaeger's query API returns it)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from backend_services.platform.telemetry import tracing
from backend_services.platform.telemetry.logs import JsonFormatter
from devtools.stack.commands import main
from devtools.stack.trace_logs import lines_of_trace
from devtools.stack.trace_view import render_tree

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
OTHER = "0af7651916cd43dd8448eb211c80319c"


def _line(time: str, trace_id: str | None, message: str) -> str:
    entry = {"time": time, "level": "INFO", "logger": "todo.x", "message": message}
    if trace_id:
        entry["trace_id"] = trace_id
    return json.dumps(entry)


def test_lines_of_one_trace_from_every_log_in_time_order(tmp_path: Path) -> None:
    (tmp_path / "task-service.log").write_text(
        "\n".join([
            "===== starting task-service",
            _line("2026-01-01T10:00:00.200+00:00", TRACE, "second"),
            _line("2026-01-01T10:00:00.300+00:00", OTHER, "another trace"),
            f"plain text naming {TRACE} is not a JSON line",
        ]) + "\n"
    )  # fmt: skip
    (tmp_path / "reminder-service.log").write_text(
        _line("2026-01-01T10:00:00.100+00:00", TRACE, "first") + "\n"
        + _line("2026-01-01T10:00:00.900+00:00", TRACE, "third") + "\n"
    )  # fmt: skip
    lines = lines_of_trace(tmp_path, TRACE)
    assert [line.split()[-1] for line in lines] == ["first", "second", "third"]
    assert [line.split()[1] for line in lines] == [
        "reminder-service", "task-service", "reminder-service"
    ]  # fmt: skip


def test_trace_ids_written_by_the_formatter_are_found(tmp_path: Path) -> None:
    record = logging.makeLogRecord({"name": "todo.x", "levelname": "INFO", "msg": "hello"})
    ctx = tracing.context_from(f"00-{TRACE}-00f067aa0ba902b7-01")
    from opentelemetry import context as otel_context

    token = otel_context.attach(ctx)
    try:
        line = JsonFormatter("task-service").format(record)
    finally:
        otel_context.detach(token)
    (tmp_path / "task-service.log").write_text(line + "\n")
    assert [x.split()[-1] for x in lines_of_trace(tmp_path, TRACE)] == ["hello"]


def test_stack_logs_trace_refuses_what_is_not_a_trace_id(tmp_path: Path) -> None:
    assert main(["--stack-dir", str(tmp_path), "logs", "--trace", "not-an-id"]) == 2
    assert main(["--stack-dir", str(tmp_path), "logs"]) == 2


def test_tree_nests_children_and_names_the_cause(tmp_path: Path) -> None:
    trace = {
        "traceID": TRACE,
        "processes": {"p1": {"serviceName": "reminder-service"}, "p2": {"serviceName": "x"}},
        "spans": [
            {"spanID": "b", "operationName": "publish reminders", "processID": "p1",
             "startTime": 1_000_500, "duration": 200,
             "references": [{"refType": "CHILD_OF", "traceID": TRACE, "spanID": "a"}],
             "tags": [{"key": "error", "value": True}]},
            {"spanID": "a", "operationName": "reminder job fired", "processID": "p1",
             "startTime": 1_000_000, "duration": 1_000,
             "references": [{"refType": "FOLLOWS_FROM", "traceID": OTHER, "spanID": "z"}],
             "tags": []},
            {"spanID": "c", "operationName": "handle reminders", "processID": "p2",
             "startTime": 1_000_800, "duration": 100,
             "references": [{"refType": "CHILD_OF", "traceID": TRACE, "spanID": "b"}],
             "tags": []},
        ],
    }  # fmt: skip
    summary, *rows = render_tree(trace)
    assert (
        summary.startswith(TRACE) and "3 spans" in summary and "root: reminder job fired" in summary
    )
    assert rows[0].endswith(f"reminder-service: reminder job fired  (caused by trace {OTHER})")
    assert rows[1].endswith("  reminder-service: publish reminders  ERROR")
    assert rows[2].endswith("    x: handle reminders")
    assert rows[1].split()[0] == "0.5"  # ms after the trace's start
