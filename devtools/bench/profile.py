"""Where the time goes: py-spy samples of a running process (every thread, idle left out),
grouped by the package whose code was on the CPU, and Python's own import timer for the CLI.

The benchmarks call these beside their measurements, so each miss in docs/benchmarks.md comes
with the profile of the same run. py-spy reads the process from outside (`--nonblocking`:
it never pauses it), so the measured rates are not disturbed beyond the sampler's own CPU.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
PY_SPY = REPO / ".venv" / "bin" / "py-spy"
OURS = ("backend_services", "agent", "chat_ui", "launch")
# SQLAlchemy's calls into the database driver: the time under them is the driver's C code
# (sqlite3, psycopg) and the database round trip, not SQLAlchemy's Python
DRIVER_CALLS = {"do_execute", "do_executemany", "do_commit", "do_rollback", "do_ping"}
# psycopg's own wait for the server (a C loop: poll the socket, then parse what came back,
# with the GIL released): a thread under it is mostly waiting on PostgreSQL
DRIVER_WAITS = {("psycopg/connection.py", "wait"), ("psycopg/waiting.py", "wait_conn")}
# threads parked in these (a thread pool worker waiting for work, the event loop waiting for
# I/O, a condition wait) are idle, though py-spy's idle filter lets them through here
WAITING = {
    ("concurrent/futures/thread.py", "_worker"),
    ("selectors.py", "select"),
    ("threading.py", "wait"),
    ("queue.py", "get"),
}
FRAME = re.compile(r"^(?P<func>.*) \((?P<path>[^()]*):\d+\)$")
TOP = 8


def package_of(frame: str) -> str | None:
    """`func (path:line)` → the package that holds the code (py-spy shortens paths to be
    relative to sys.path, so the first component is the importable name); None if waiting."""
    match = FRAME.match(frame)
    if match is None:
        return "other"
    func, path = match["func"].rsplit(".", 1)[-1], match["path"]
    if (path, func) in WAITING:
        return None
    if path.startswith("<frozen"):
        return "import system"
    if func in DRIVER_CALLS and path.endswith("sqlalchemy/engine/default.py"):
        return "database driver and round trip"
    if (path, func) in DRIVER_WAITS:
        return "database driver and round trip"
    first = path.split("/", 1)[0].removesuffix(".py")
    if first == "backend_services" and "/" in path:
        return "backend_services." + path.split("/")[1].removesuffix(".py")
    return first or "other"


def by_package(raw: str) -> dict[str, Any]:
    """py-spy's raw (collapsed) output → share of on-CPU samples per package (self time)."""
    counts: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        package = package_of(stack.split(";")[-1])
        if package is not None:
            counts[package] += int(count)
    total = sum(counts.values())
    if total == 0:
        return {"samples": 0, "top": [], "ours": 0.0}
    ours = sum(n for name, n in counts.items() if name.split(".")[0] in OURS)
    return {
        "samples": total,
        "top": [(name, n / total) for name, n in counts.most_common(TOP)],
        "ours": ours / total,
    }


@contextmanager
def sampled(pid: int, rate: int = 250) -> Iterator[dict[str, Any]]:
    """Sample `pid` while the block runs; the dict is filled when the block ends."""
    out = Path(tempfile.mkdtemp(prefix="bench-spy-")) / "raw.txt"
    argv = [str(PY_SPY), "record", "-p", str(pid), "-r", str(rate), "-f", "raw", "-o", str(out)]
    spy = subprocess.Popen(
        [*argv, "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    result: dict[str, Any] = {}
    try:
        yield result
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file on ^C
        _, err = spy.communicate(timeout=120)
        if out.exists():
            result.update(by_package(out.read_text()))
            out.unlink()
        else:
            result.update({"samples": 0, "top": [], "ours": 0.0, "error": err.strip()[-300:]})
        out.parent.rmdir()


def sampled_line(label: str, profile: dict[str, Any]) -> str:
    """One sentence for docs/benchmarks.md: the largest packages' shares of the samples."""
    if not profile.get("samples"):
        return f"Where {label} goes: no samples ({profile.get('error', 'py-spy recorded none')})."
    top = ", ".join(f"{name} {share:.0%}" for name, share in profile["top"])
    return (
        f"Where {label} goes (py-spy, {profile['samples']} samples of every thread not parked "
        f"waiting for work, self time by package; a thread inside the database driver may "
        f"be waiting on the database): {top}; this repository's code in all: "
        f"{profile['ours']:.0%}."
    )


def import_times(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run a command with `python -X importtime`: its import time per top-level package
    (self times summed), against its whole wall time."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(REPO / ".venv" / "bin" / "python"), "-X", "importtime", *argv],
        env={**os.environ, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    per_package: Counter[str] = Counter()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        head, _cumulative, name = line.split("|")
        per_package[name.strip().split(".")[0]] += int(head.removeprefix("import time:"))
    total_ms = sum(per_package.values()) / 1000
    return {
        "wall_ms": wall * 1000,
        "imports_ms": total_ms,
        "top": [(name, us / 1000) for name, us in per_package.most_common(TOP)],
    }
