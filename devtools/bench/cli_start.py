"""Start-up cost of the `todo` command line (issue 10): wall and CPU time of

- `todo tasks --user U`,
- `todo chat --user U "add milk"` (offline agent),
- `todo up` until `GET /` answers,

each on a fresh data dir that already has the user, with the installed bytecode and with a
cold-bytecode baseline in the same run: PYTHONDONTWRITEBYTECODE=1 and PYTHONPYCACHEPREFIX
pointing at an empty directory, so Python finds no .pyc and compiles every module it imports
(what every process did before `uv sync --compile-bytecode`).

    python -m devtools.bench.cli_start [--runs N] [--json]

CPU time: user + system of the child (resource.getrusage(RUSAGE_CHILDREN) around each
finished command; for `todo up`, /proc/PID/stat at the moment it answered). No stack needed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from devtools.bench.profile import import_times
from devtools.stack.paths import REPO_ROOT
from devtools.stack.ports import free_port

TODO = REPO_ROOT / ".venv" / "bin" / "todo"
USER = "bench"
UP_TIMEOUT = 120.0
TARGETS_S = {"tasks": 0.5, "chat": 1.0, "up": 2.0}  # warm, installed bytecode (issue 10)
MODES = ("cold", "installed")


def _env(data_dir: Path, mode: str, empty_prefix: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DATABASE_URL", "PYTHONPYCACHEPREFIX")
    }
    env["TODO_DATA_DIR"] = str(data_dir)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # as on this machine: nothing is written either way
    if mode == "cold":
        env["PYTHONPYCACHEPREFIX"] = str(empty_prefix)
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _command(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    cpu = _children_cpu()
    started = time.perf_counter()
    subprocess.run([str(TODO), *argv], env=env, check=True, capture_output=True, timeout=300)
    return time.perf_counter() - started, _children_cpu() - cpu


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _up(env: dict[str, str]) -> tuple[float, float]:
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(TODO), "up", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                    break
            except urllib.error.HTTPError:
                break  # it answered
            except OSError:
                if proc.poll() is not None:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    raise RuntimeError(f"todo up exited with {proc.returncode}: {err}") from None
                if time.perf_counter() - started > UP_TIMEOUT:
                    raise RuntimeError("todo up did not answer GET /") from None
                time.sleep(0.01)
        wall = time.perf_counter() - started
        return wall, _proc_cpu(proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _summary(samples: list[tuple[float, float]]) -> dict[str, float]:
    walls = [w for w, _ in samples]
    cpus = [c for _, c in samples]
    return {
        "runs": len(samples),
        "wall_median_s": statistics.median(walls),
        "wall_min_s": min(walls),
        "wall_max_s": max(walls),
        "cpu_median_s": statistics.median(cpus),
    }


def run(runs: int = 5, quick: bool = False) -> dict[str, Any]:
    """Both modes, interleaved run by run so machine load affects them alike."""
    runs = min(runs, 3) if quick else runs
    root = Path(tempfile.mkdtemp(prefix="todo-bench-cli-"))
    try:
        data, prefix = root / "data", root / "empty-pycache"
        prefix.mkdir()
        setup = _env(data, "installed", prefix)
        subprocess.run(
            [str(TODO), "users", "add", USER, "--password-stdin"],
            input="bench-password\n",
            text=True,
            env=setup,
            check=True,
            capture_output=True,
        )
        commands: dict[str, list[str]] = {
            "tasks": ["tasks", "--user", USER],
            "chat": ["chat", "--user", USER, "add milk"],
        }
        samples: dict[str, dict[str, list[tuple[float, float]]]] = {
            name: {mode: [] for mode in MODES} for name in (*commands, "up")
        }
        for mode in MODES:  # one unmeasured round: page cache, first migration, first note
            env = _env(data, mode, prefix)
            for argv in commands.values():
                _command(argv, env)
            _up(env)
        for _ in range(runs):
            for mode in MODES:
                env = _env(data, mode, prefix)
                for name, argv in commands.items():
                    samples[name][mode].append(_command(argv, env))
                samples["up"][mode].append(_up(env))
        leaked = sum(1 for _ in prefix.rglob("*.pyc"))
        env = _env(data, "installed", prefix)
        imports = {  # where each command's start goes (the targets it misses)
            name: import_times(["-m", "launch.cli", *argv], env) for name, argv in commands.items()
        }
        # `todo up` serves until stopped: what its process imports before it builds the apps
        imports["up"] = import_times(["-c", UP_IMPORTS], env)
        return {
            "imports": imports,
            "python": str(TODO),
            "targets_s": TARGETS_S,
            "cold_prefix_pyc_files": leaked,  # 0: the baseline really compiled everything
            "commands": {
                name: {mode: _summary(by_mode[mode]) for mode in MODES}
                for name, by_mode in samples.items()
            },
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


UP_IMPORTS = "import launch.cli, launch.embedded, chat_ui.server, chainlit.server"
LABELS = {
    "tasks": "`todo tasks`",
    "chat": '`todo chat "add milk"` (offline)',
    "up": "`todo up` → GET / answers",
}


def table(result: dict[str, Any]) -> list[str]:
    rows = [
        "| command | bytecode | runs | wall median s | wall min / max s | CPU median s | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, by_mode in result["commands"].items():
        for mode in MODES:
            s = by_mode[mode]
            target = f"≤ {result['targets_s'][name]} s" if mode == "installed" else ""
            rows.append(
                f"| {LABELS[name]} | {mode} | {s['runs']} | {s['wall_median_s']:.2f} | "
                f"{s['wall_min_s']:.2f} / {s['wall_max_s']:.2f} | {s['cpu_median_s']:.2f} | "
                f"{target} |"
            )
    for name, profile in result.get("imports", {}).items():
        if name == "up":
            wall = result["commands"]["up"]["installed"]["wall_median_s"] * 1000
            top = ", ".join(f"{package} {ms:.0f}" for package, ms in profile["top"])
            rows += [
                "",
                f"Where {LABELS['up']} goes: its imports alone (`python -X importtime -c "
                f"'{UP_IMPORTS}'`) take {profile['imports_ms']:.0f} ms of its {wall:.0f} ms "
                f"median; by package, ms: {top}. The rest builds six apps and Chainlit's "
                "server, checks the schema and starts the runtime's loops.",
            ]
            continue
        rows += ["", *import_lines(LABELS[name], profile)]
    return rows


def import_lines(label: str, profile: dict[str, Any]) -> list[str]:
    """Where a command's start goes: `python -X importtime`, self times by package."""
    share = profile["imports_ms"] / profile["wall_ms"] if profile["wall_ms"] else 0.0
    top = ", ".join(f"{name} {ms:.0f}" for name, ms in profile["top"])
    return [
        f"Where {label} goes (one run under `python -X importtime`, which slows it): imports "
        f"take {profile['imports_ms']:.0f} of {profile['wall_ms']:.0f} ms ({share:.0%}); "
        f"by package, ms: {top}."
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devtools.bench.cli_start", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="raw results instead of a table")
    args = parser.parse_args(argv)
    result = run(args.runs)
    print(json.dumps(result, indent=2) if args.json else "\n".join(table(result)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
