"""CPU time from /proc, the measure every benchmark reports beside its rates."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Iterable[int]) -> float:
    """utime + stime of these processes and all their descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()  # after "pid (comm) "
        pid = int(entry.name)
        stats[pid] = fields
        children.setdefault(int(fields[1]), []).append(pid)
    total, queue, seen = 0, list(pids), set()
    while queue:
        pid = queue.pop()
        if pid in seen or pid not in stats:
            continue
        seen.add(pid)
        total += int(stats[pid][11]) + int(stats[pid][12])  # utime, stime (fields 14, 15)
        queue.extend(children.get(pid, []))
    return total / TICK


def wait_idle(pids: list[int], idle_cores: float = 0.0, timeout: float = 300.0) -> float:
    """Block until `pids` (with their children) are back to `idle_cores` (+5% of a core)
    over a second: their backlog is handled. Returns their CPU seconds then."""
    last, deadline = cpu_seconds(pids), time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = cpu_seconds(pids)
        if now - last < idle_cores + 0.05:
            return now
        last = now
    raise RuntimeError(f"processes {pids} did not go idle within {timeout:.0f} s")
