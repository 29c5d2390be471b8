"""CPU per task create in embedded mode (`todo up`), at a trickle and in a burst, for this
checkout and a baseline one, in the same run.

    python -m devtools.bench.trickle [--trickle 200] [--rate 10] [--burst 1000] [--baseline REF]

- trickle: one client creating `--rate` tasks a second, each event alone (what active
  people produce);
- burst: 16 keep-alive clients, `--burst` creates as fast as the server takes them.

The server's CPU comes from /proc (utime + stime); its idle rate is measured first and
subtracted, and the clock runs until the server is idle again (every event handled). The
1-minute load average is read beside each figure: on a shared machine a figure is read
against how busy the machine was. The baseline (`--baseline`, a git ref) is checked out as
a temporary git worktree and served by the same interpreter, so both are measured alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from devtools.bench.proc import cpu_seconds, wait_idle
from devtools.stack.ports import free_port

REPO = Path(__file__).resolve().parents[2]
CLIENTS = 16
IDLE_SECONDS = 5.0
BODY = {"title": "benchmark task", "priority": "low", "tags": ["bench"]}


def _loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def _cli(repo: Path, *args: str) -> list[str]:
    """`todo ARGS` run from `repo`'s own code (sys.path[0] is the working directory)."""
    code = f"import sys; from launch.cli import main; sys.argv = ['todo', *{list(args)!r}]; " + (
        "sys.exit(main())"
    )
    return [sys.executable, "-c", code]


def _env(data: Path, repo: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "TODO_DATA_DIR": str(data),
        "TODO_REST_WRITES_PER_MINUTE": "100000000",
        "PYTHONPATH": str(repo),
    }
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    return env


class Server:
    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.data = Path(tempfile.mkdtemp(prefix="bench-trickle-"))
        self.port = free_port()
        self.env = _env(self.data, repo)
        self.proc = subprocess.Popen(
            _cli(repo, "up", "--port", str(self.port)),
            cwd=repo,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"todo up from {repo} exited")
            time.sleep(0.1)
        else:
            raise RuntimeError("todo up did not serve within 180 s")
        out = subprocess.run(
            _cli(repo, "token", "--user", "bench"),
            cwd=repo,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        self.headers = {"authorization": f"Bearer {out.stdout.strip()}"}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)


async def _trickle(server: Server, n: int, rate: float) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        start = time.perf_counter()
        for i in range(n):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            resp = await http.post(
                "/tasks", json={**BODY, "title": f"t {i}"}, headers=server.headers
            )
            assert resp.status_code == 201, resp.text


async def _burst(server: Server, n: int) -> None:
    queue = iter(range(n))
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as http:

        async def worker() -> None:
            for i in queue:
                resp = await http.post(
                    "/tasks", json={**BODY, "title": f"b {i}"}, headers=server.headers
                )
                assert resp.status_code == 201, resp.text

        await asyncio.gather(*(worker() for _ in range(CLIENTS)))


def _measure(server: Server, load: Any, n: int) -> dict[str, Any]:
    pid = server.proc.pid
    wait_idle([pid])
    c0, t0 = cpu_seconds([pid]), time.perf_counter()
    time.sleep(IDLE_SECONDS)
    idle = (cpu_seconds([pid]) - c0) / (time.perf_counter() - t0)
    load_before = _loadavg()
    c0, t0 = cpu_seconds([pid]), time.perf_counter()
    asyncio.run(load)
    sent = time.perf_counter() - t0
    c1 = wait_idle([pid], idle)
    window = time.perf_counter() - t0
    return {
        "creates": n,
        "creates_per_s": n / sent,
        "idle_cores": idle,
        "cpu_ms_per_create": max(0.0, c1 - c0 - idle * window) * 1000 / n,
        "cpu_ms_per_create_with_idle": (c1 - c0) * 1000 / n,
        "loadavg": round((load_before + _loadavg()) / 2, 2),
    }


def measure(repo: Path, trickle: int, rate: float, burst: int) -> dict[str, Any]:
    server = Server(repo)
    try:
        # warm-up: connections, caches, the first create's imports
        asyncio.run(_burst(server, 50))
        result: dict[str, Any] = {}
        if trickle:
            result["trickle"] = _measure(server, _trickle(server, trickle, rate), trickle)
            result["trickle"]["rate"] = rate
        if burst:
            result["burst"] = _measure(server, _burst(server, burst), burst)
            result["burst"]["clients"] = CLIENTS
        return result
    finally:
        server.stop()


def compare(baseline_ref: str, trickle: int, rate: float, burst: int) -> dict[str, Any]:
    """`baseline_ref` (a temporary git worktree) then this checkout, alternately."""
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(tree), baseline_ref],
            check=True,
        )
        try:
            baseline = measure(tree, trickle, rate, burst)
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False
            )
    current = measure(REPO, trickle, rate, burst)
    return {"baseline_ref": baseline_ref, "baseline": baseline, "current": current}


def table(r: dict[str, Any]) -> list[str]:
    rows = [
        "| embedded (`todo up`), CPU-ms per create until every event is handled | "
        f"baseline `{r['baseline_ref']}` | this change | target |",
        "|---|---|---|---|",
    ]

    def cell(side: dict[str, Any], kind: str) -> str:
        m = side.get(kind)
        if not m:
            return "—"
        return (
            f"**{m['cpu_ms_per_create']:.1f} ms** ({m['cpu_ms_per_create_with_idle']:.1f} with "
            f"idle; {m['creates_per_s']:.0f}/s; load avg {m['loadavg']:.1f})"
        )

    for kind, label, target in (
        ("trickle", "trickle: one client at 10/s, each event alone", "<= 6 ms"),
        ("burst", f"burst: {CLIENTS} keep-alive clients", "<= 4 ms"),
    ):
        rows.append(
            f"| {label} | {cell(r['baseline'], kind)} | {cell(r['current'], kind)} | {target} |"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devtools.bench.trickle", description=__doc__)
    parser.add_argument("--trickle", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--baseline", default=None, help="a git ref measured beside this checkout")
    parser.add_argument("--repo", type=Path, default=REPO)
    args = parser.parse_args(argv)
    if args.baseline:
        result = compare(args.baseline, args.trickle, args.rate, args.burst)
        print("\n".join(table(result)))
    else:
        result = measure(args.repo, args.trickle, args.rate, args.burst)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
