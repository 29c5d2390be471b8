"""`todo stack trace`: read the stack's Jaeger over its query API and print a trace as a tree
in the terminal (the browser's view of the same API is deploy/jaeger/ui), or find traces by
span tag."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx

from backend_services.platform.service_paths import service_path


def fetch(api: str, trace_id: str) -> dict[str, Any] | None:
    resp = httpx.get(f"{api}/{service_path('api', 'traces', trace_id)}", timeout=10)
    data = resp.json().get("data") if resp.status_code == 200 else None
    return data[0] if data else None


def search(
    api: str, service: str, operation: str | None, tags: dict[str, str], limit: int = 20
) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"service": service, "lookback": "24h", "limit": limit}
    if operation:
        params["operation"] = operation
    if tags:
        params["tags"] = json.dumps(tags)
    resp = httpx.get(f"{api}/api/traces", params=params, timeout=10)
    resp.raise_for_status()
    return list(resp.json().get("data") or [])


def summary(trace: dict[str, Any]) -> str:
    spans = trace["spans"]
    start = min(s["startTime"] for s in spans)
    end = max(s["startTime"] + s["duration"] for s in spans)
    root = min(spans, key=lambda s: s["startTime"])
    when = datetime.fromtimestamp(start / 1e6, UTC).isoformat(timespec="seconds")
    return (
        f"{trace['traceID']}  {when}  {(end - start) / 1000:.1f} ms  "
        f"{len(spans)} spans  root: {root['operationName']}"
    )


def render_tree(trace: dict[str, Any]) -> list[str]:
    """One line per span: offset from the trace's start, duration, service, operation,
    error mark, and the traces it links to (FOLLOWS_FROM: e.g. a reminder's cause)."""
    services = {pid: p["serviceName"] for pid, p in trace["processes"].items()}
    spans = {s["spanID"]: s for s in trace["spans"]}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for span in spans.values():
        parent = next(
            (
                r["spanID"]
                for r in span.get("references") or []
                if r["refType"] == "CHILD_OF" and r["spanID"] in spans
            ),
            None,
        )
        children.setdefault(parent, []).append(span)
    start = min(s["startTime"] for s in spans.values())
    lines: list[str] = [summary(trace)]

    def walk(span: dict[str, Any], depth: int) -> None:
        tags = {t["key"]: t["value"] for t in span.get("tags") or []}
        error = "  ERROR" if tags.get("error") or tags.get("otel.status_code") == "ERROR" else ""
        links = [
            r["traceID"]
            for r in span.get("references") or []
            if r["refType"] == "FOLLOWS_FROM" or r["traceID"] != trace["traceID"]
        ]
        link = f"  (caused by trace {', '.join(links)})" if links else ""
        lines.append(
            f"{(span['startTime'] - start) / 1000:>9.1f} ms {span['duration'] / 1000:>9.1f} ms  "
            f"{'  ' * depth}{services.get(span['processID'], '?')}: {span['operationName']}"
            f"{error}{link}"
        )
        for child in sorted(children.get(span["spanID"], []), key=lambda s: s["startTime"]):
            walk(child, depth + 1)

    for root in sorted(children.get(None, []), key=lambda s: s["startTime"]):
        walk(root, 0)
    return lines
