"""Embedded-mode benchmarks (issue 2): start-up time and memory of `todo up`, POST /tasks
throughput at 32 concurrent clients, and agent turn overhead against an instant fake LLM.

    python -m devtools.bench.embedded [--seconds 15] [--turns 200]

Prints a markdown section (machine, command, results) for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from devtools.bench.proc import cpu_seconds, wait_idle
from devtools.bench.profile import sampled, sampled_line
from devtools.bench.stats import fmt, summary_ms
from devtools.stack.ports import free_port

REPO = Path(__file__).resolve().parents[2]
TODO = REPO / ".venv" / "bin" / "todo"


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server(
    data_dir: Path, port: int, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(TODO), "up", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                return proc, time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("todo up exited")
        time.sleep(0.05)


def token(env: dict[str, str], user: str) -> str:
    out = subprocess.run(
        [str(TODO), "token", "--user", user], env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


def load_post_tasks(port: int, bearer: str, seconds: float, clients: int) -> dict[str, Any]:
    """wrk when installed (a separate native process), else an asyncio client."""
    body = json.dumps({"title": "benchmark task", "priority": "low", "tags": ["bench"]})
    wrk = shutil.which("wrk")
    if wrk:
        script = Path(tempfile.mkdtemp()) / "post.lua"
        script.write_text(
            'wrk.method = "POST"\n'
            f"wrk.body = '{body}'\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Bearer {bearer}"\n'
            "done = function(summary, latency, requests)\n"
            '  io.write(string.format("RESULT %d %d %d %f %f %f\\n", summary.requests, '
            "summary.errors.status, summary.duration, latency:percentile(50), "
            "latency:percentile(95), latency:percentile(99)))\nend\n"
        )
        out = subprocess.run(
            [
                wrk,
                "-t2",
                f"-c{clients}",
                f"-d{int(seconds)}s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}/tasks",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        line = next(li for li in out.splitlines() if li.startswith("RESULT"))
        n, errors, micros, p50, p95, p99 = line.split()[1:]
        return {
            "tool": "wrk",
            "requests": int(n),
            "errors": int(errors),
            "rate": int(n) / (int(micros) / 1e6),
            "p50": float(p50) / 1000,
            "p95": float(p95) / 1000,
            "p99": float(p99) / 1000,
        }
    return asyncio.run(_python_load(port, bearer, body, seconds, clients))


async def _python_load(
    port: int, bearer: str, body: str, seconds: float, clients: int
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    headers = {"authorization": f"Bearer {bearer}", "content-type": "application/json"}
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                resp = await client.post("/tasks", content=body, headers=headers)
                latencies.append(time.perf_counter() - t0)
                errors += resp.status_code != 201

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - t0
    s = summary_ms(latencies)
    return {
        "tool": "python httpx",
        "requests": len(latencies),
        "errors": errors,
        "rate": len(latencies) / elapsed,
        "p50": s["p50"],
        "p95": s["p95"],
        "p99": s["p99"],
    }


async def agent_turns(turns: int) -> dict[str, Any]:
    """Turn latency with a fake LLM answering at once: a tool call, then the final text."""
    from agent.service import Agent, LLMConfig
    from tests.support.embedded_env import embedded_env, make_settings
    from tests.support.fake_openai import call, say, serve_fake_openai

    with serve_fake_openai() as fake:
        async with embedded_env(
            make_settings(
                Path(tempfile.mkdtemp()), rest_writes_per_minute=10**9, chat_turns_per_minute=10**9
            )
        ) as env:
            env.user("bench")
            bearer = env.signer().issue("bench", "user", 3600)
            agent = Agent(
                env.runtime.for_app("chat-ui"),
                LLMConfig(base_url=fake.url, api_key="x", model="fake", timeout=10),
                turns_per_minute=10**9,
            )
            llm_only: list[float] = []
            client = httpx.AsyncClient()
            durations: list[float] = []
            turn_cpu = 0.0  # this process: agent, in-process apps, event delivery, fake LLM
            for i in range(turns + 10):
                fake.add(call("add_task", title=f"task {i}"), say("Added."))
                t0, cpu0 = time.perf_counter(), time.process_time()
                async for _ in agent.turn(bearer, "bench", "bench", f"add task {i}"):
                    pass
                if i >= 10:
                    durations.append(time.perf_counter() - t0)
                    turn_cpu += time.process_time() - cpu0
                fake.add(say("pong"))
                t1 = time.perf_counter()
                await client.post(
                    f"{fake.url}/chat/completions",
                    json={"model": "fake", "messages": [], "stream": True},
                )
                if i >= 10:
                    llm_only.append(time.perf_counter() - t1)
            await client.aclose()
            # more turns under py-spy, apart from the measured ones
            with sampled(os.getpid()) as turn_profile:
                for i in range(max(20, turns // 4)):
                    fake.add(call("add_task", title=f"sampled {i}"), say("Added."))
                    async for _ in agent.turn(bearer, "bench", "bench", f"add sampled {i}"):
                        pass
    turn, llm = summary_ms(durations), summary_ms(llm_only)
    return {
        "turn_p50": turn["p50"],
        "turn_p95": turn["p95"],
        "llm_p50": llm["p50"],
        "overhead_p95": turn["p95"] - 2 * llm["p50"],
        "cpu_ms_per_turn": turn_cpu * 1000 / max(1, len(durations)),
        "profile": turn_profile,
    }


def run(seconds: float = 15.0, turns: int = 200) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp())
    env = {**os.environ, "TODO_DATA_DIR": str(data), "TODO_REST_WRITES_PER_MINUTE": "100000000"}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    port = free_port()
    proc, cold = start_server(data, port, env)
    proc.terminate()
    proc.wait()
    proc, warm = start_server(data, port, env)
    try:
        bearer = token(env, "bench")
        cpu0 = wait_idle([proc.pid])
        rss_start = _rss_mb(proc.pid)
        load = load_post_tasks(port, bearer, seconds, 32)
        rss_load = _rss_mb(proc.pid)
        cpu_load = cpu_seconds([proc.pid]) - cpu0
        cpu_settled = wait_idle([proc.pid]) - cpu0
        # a second, shorter load under py-spy (kept apart: the sampler takes CPU too)
        with sampled(proc.pid) as create_profile:
            load_post_tasks(port, bearer, max(3.0, seconds / 3), 32)
            wait_idle([proc.pid])
    finally:
        proc.terminate()
        proc.wait()
    created = max(1, load["requests"] - load["errors"])
    # the same load on a server that never lingers (relays and deliveries go at once)
    proc, _ = start_server(data, port, {**env, "TODO_EVENT_LINGER_MS": "0"})
    try:
        cpu0 = wait_idle([proc.pid])
        no_linger = load_post_tasks(port, bearer, seconds, 32)
        no_linger_settled = wait_idle([proc.pid]) - cpu0
    finally:
        proc.terminate()
        proc.wait()
    no_linger["cpu_ms_per_create_settled"] = (
        no_linger_settled * 1000 / max(1, no_linger["requests"] - no_linger["errors"])
    )
    return {
        "no_linger": no_linger,
        "seconds": seconds,
        "turns": turns,
        "up_first_s": cold,
        "up_warm_s": warm,
        "rss_start_mb": rss_start,
        "rss_load_mb": rss_load,
        "load": load,
        "cpu_ms_per_create_request": cpu_load * 1000 / created,
        "cpu_ms_per_create_settled": cpu_settled * 1000 / created,
        "create_profile": create_profile,
        "agent": asyncio.run(agent_turns(turns)),
    }


def table(r: dict[str, Any]) -> list[str]:
    load, turns = r["load"], r["agent"]
    rows = [
        ("`todo up` to UI ready, first start (migrations)", f"{r['up_first_s']:.2f} s", ""),
        ("`todo up` to UI ready, warm", f"{r['up_warm_s']:.2f} s", "<= 2 s"),
        ("server RSS after start", f"{r['rss_start_mb']:.0f} MB", "<= 350 MB"),
        ("server RSS after the load", f"{r['rss_load_mb']:.0f} MB", ""),
        (
            f"`POST /tasks`, 32 clients, {r['seconds']:.0f} s ({load['tool']})",
            f"{load['rate']:.0f} creates/s, {load['errors']} errors; p50 {fmt(load['p50'])} ms,"
            f" p95 {fmt(load['p95'])} ms, p99 {fmt(load['p99'])} ms",
            ">= 300/s",
        ),
        (
            "server CPU per create, during the load / until every event is handled",
            f"{r['cpu_ms_per_create_request']:.2f} / {r['cpu_ms_per_create_settled']:.2f} ms",
            "<= 4 ms (settled)",
        ),
        *(
            [
                (
                    "the same load without the linger of the outbox relays and the bulk "
                    "deliveries (`TODO_EVENT_LINGER_MS=0`, run after): creates/s, server CPU "
                    "per create until every event is handled",
                    f"{r['no_linger']['rate']:.0f} creates/s, "
                    f"{r['no_linger']['cpu_ms_per_create_settled']:.2f} ms",
                    "",
                )
            ]
            if "no_linger" in r
            else []
        ),
        (
            f"agent turn, fake LLM answering at once (tool call + reply), {r['turns']} turns"
            " in one conversation (its history grows to the memory budget)",
            f"p50 {fmt(turns['turn_p50'])} ms, p95 {fmt(turns['turn_p95'])} ms",
            "",
        ),
        ("of which one LLM round trip (p50)", f"{fmt(turns['llm_p50'])} ms", ""),
        (
            "CPU per turn, the whole process (agent, apps, event delivery, fake LLM server)",
            f"{turns['cpu_ms_per_turn']:.1f} ms" if "cpu_ms_per_turn" in turns else "—",
            "",
        ),
        (
            "agent overhead p95 (turn p95 - 2 x LLM p50)",
            f"{fmt(turns['overhead_p95'])} ms",
            "<= 25 ms",
        ),
    ]
    lines = ["| measure | result | target |", "|---|---|---|"] + [
        "| " + " | ".join(row) + " |" for row in rows
    ]
    if "create_profile" in r:
        lines += ["", sampled_line("`todo up`'s CPU under the create load", r["create_profile"])]
    if "profile" in turns:
        lines += [
            "",
            sampled_line(
                "an agent turn's CPU (the process also runs the apps, their event delivery "
                "and the fake LLM server: `tests`)",
                turns["profile"],
            ),
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args()
    result = run(args.seconds, args.turns)
    cmd = " ".join(["python -m devtools.bench.embedded", *sys.argv[1:]])
    print(f"### Embedded mode (`{cmd}`)\n")
    print("\n".join(table(result)))
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
