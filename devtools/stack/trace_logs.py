"""`todo stack logs --trace ID`: the log lines of one trace from every process of the stack,
merged in time order. The apps write JSON lines carrying `trace_id` (platform/telemetry/
logs.py); a line is picked when its trace id is the one asked for."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _matches(line: str, trace_id: str) -> dict[str, Any] | None:
    if trace_id not in line:  # cheap filter before parsing
        return None
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if isinstance(entry, dict) and entry.get("trace_id") == trace_id:
        return entry
    return None


def render(process: str, entry: dict[str, Any]) -> str:
    return (
        f"{entry.get('time', '?')} {process:<24} {entry.get('level', '?'):<7} "
        f"{entry.get('logger', '')}: {entry.get('message', '')}"
    )


def lines_of_trace(logs_dir: Path, trace_id: str) -> list[str]:
    """Every line of `trace_id` in `logs_dir/*.log`, ordered by time."""
    found: list[tuple[str, str]] = []
    for path in sorted(logs_dir.glob("*.log")):
        with path.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                entry = _matches(line, trace_id)
                if entry is not None:
                    found.append((str(entry.get("time", "")), render(path.stem, entry)))
    return [text for _, text in sorted(found)]


def follow_trace(logs_dir: Path, trace_id: str, poll: float = 0.5) -> Iterator[str]:
    """New lines of `trace_id` as processes write them (until interrupted)."""
    offsets = {p: p.stat().st_size for p in logs_dir.glob("*.log")}
    while True:
        for path in sorted(logs_dir.glob("*.log")):
            start = offsets.get(path, 0)
            with path.open("rb") as fh:
                fh.seek(start)
                chunk = fh.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]  # a half-written line waits
            offsets[path] = start + len(complete)
            for raw in complete.decode("utf-8", errors="replace").splitlines():
                entry = _matches(raw, trace_id)
                if entry is not None:
                    yield render(path.stem, entry)
        time.sleep(poll)
