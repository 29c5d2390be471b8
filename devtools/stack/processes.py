"""Background processes of the stack: start with a log file, remember them in a
JSON state file, tell live from crashed, stop them by pid."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATE_VERSION = 1


@dataclass
class ProcessRecord:
    """One process of the stack as remembered in the state file."""

    name: str
    pid: int
    argv: list[str]
    log: str
    kind: str  # "infra" | "app" | "daprd"
    ports: dict[str, int] = field(default_factory=dict)
    started_at: float = 0.0
    # /proc/<pid>/stat start time, to tell our process from a reused pid
    proc_start: int | None = None
    url: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProcessRecord:
        return cls(
            name=str(data["name"]),
            pid=int(data["pid"]),
            argv=[str(a) for a in data.get("argv", [])],
            log=str(data.get("log", "")),
            kind=str(data.get("kind", "infra")),
            ports={str(k): int(v) for k, v in dict(data.get("ports", {})).items()},
            started_at=float(data.get("started_at", 0.0)),
            proc_start=None if data.get("proc_start") is None else int(data["proc_start"]),
            url=None if data.get("url") is None else str(data["url"]),
        )


@dataclass
class StackState:
    """Contents of ``<stack>/state.json``."""

    processes: dict[str, ProcessRecord] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    infra: dict[str, str] = field(default_factory=dict)
    # instances per app-id asked for by the last ``up`` (absent: 1); a later ``up``
    # without ``--replicas`` keeps them
    replicas: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> StackState:
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        return cls(
            processes={
                name: ProcessRecord.from_json(rec)
                for name, rec in dict(raw.get("processes", {})).items()
            },
            ports={str(k): int(v) for k, v in dict(raw.get("ports", {})).items()},
            infra={str(k): str(v) for k, v in dict(raw.get("infra", {})).items()},
            replicas={str(k): int(v) for k, v in dict(raw.get("replicas", {})).items()},
        )

    def save(self, path: Path) -> None:
        data = {
            "version": STATE_VERSION,
            "processes": {name: asdict(rec) for name, rec in self.processes.items()},
            "ports": self.ports,
            "infra": self.infra,
            "replicas": self.replicas,
        }
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        tmp.replace(path)


def proc_start_time(pid: int) -> int | None:
    """Field 22 of /proc/<pid>/stat (start time in clock ticks), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # the command name (field 2) may contain spaces and parentheses
    fields = stat[stat.rfind(")") + 2 :].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def _proc_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    rest = stat[stat.rfind(")") + 2 :]
    return rest[:1] or None


def _reap(pid: int) -> None:
    """Collect a child of ours that has exited (no-op for non-children)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def is_alive(pid: int, proc_start: int | None = None) -> bool:
    """True if ``pid`` runs (not a zombie) and, when given, started at ``proc_start``."""
    if pid <= 0:
        return False
    _reap(pid)
    state = _proc_state(pid)
    if state is None or state in ("Z", "X"):
        return False
    return proc_start is None or proc_start_time(pid) == proc_start


def record_alive(rec: ProcessRecord) -> bool:
    return is_alive(rec.pid, rec.proc_start)


def start(
    name: str,
    argv: Sequence[str],
    *,
    log: Path,
    kind: str,
    env: Mapping[str, str] | None = None,
    unset_env: Sequence[str] = (),
    cwd: Path | None = None,
    ports: Mapping[str, int] | None = None,
    url: str | None = None,
) -> ProcessRecord:
    """Start ``argv`` in its own session with stdout+stderr appended to ``log``.

    The environment is ours plus ``env``, minus the names in ``unset_env``.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    for key in unset_env:
        full_env.pop(key, None)
    with log.open("ab") as out:
        out.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {name}: ".encode())
        out.write((" ".join(argv) + "\n").encode())
        out.flush()
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=str(cwd) if cwd else None,
            start_new_session=True,
        )
    return ProcessRecord(
        name=name,
        pid=proc.pid,
        argv=list(argv),
        log=str(log),
        kind=kind,
        ports=dict(ports or {}),
        started_at=time.time(),
        proc_start=proc_start_time(proc.pid),
        url=url,
    )


def stop(rec: ProcessRecord, timeout: float = 15.0) -> bool:
    """SIGTERM the process (and its session's group), SIGKILL after ``timeout``.

    Returns True if it was running. Only the recorded pid/process group is
    signalled, and only while its start time still matches the record.
    """
    if not record_alive(rec):
        return False
    _signal(rec, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not record_alive(rec):
            return True
        time.sleep(0.1)
    _signal(rec, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and record_alive(rec):
        time.sleep(0.1)
    return True


def _signal(rec: ProcessRecord, sig: signal.Signals) -> None:
    try:
        pgid = os.getpgid(rec.pid)
    except OSError:
        return
    try:
        if pgid == rec.pid:
            os.killpg(pgid, sig)
        else:
            os.kill(rec.pid, sig)
    except ProcessLookupError:
        pass


def tail(path: Path, lines: int = 20) -> list[str]:
    """The last ``lines`` lines of a log file (empty if it does not exist)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            data = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return data.splitlines()[-lines:]
