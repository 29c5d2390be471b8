"""What tracing costs on a create: CPU-ms per `POST /tasks` with its outbox publish, with
tracing off and at sampling 1.0 (spans batched and exported over OTLP/HTTP), in one run.

    python -m devtools.bench.tracing_cost [--creates 300] [--rounds 2]

Each measurement is a child process (the tracer provider is per process): the task-service
app on PostgreSQL with its outbox relay running (the request's server span, the invocation
of nothing else, the producer span of the publish), sequential creates, then the wait until
the outbox is drained and the spans are flushed. CPU is the child's own (its exporter
thread included); the OTLP sink is another process that only answers 200. Modes alternate
(off, on, off, on, ...) so a busy machine weighs on both alike. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from devtools.stack.ports import free_port

REPO = Path(__file__).resolve().parents[2]

SINK = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200); self.send_header("content-length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def measure(database_url: str, creates: int, endpoint: str | None) -> dict[str, Any]:
    """In this process: `creates` creates, tracing on when `endpoint` is given."""
    import asyncio

    import httpx
    from sqlmodel import Session, select

    from backend_services.platform.app_support import shared_engine
    from backend_services.platform.auth import TokenSigner
    from backend_services.platform.db import session_scope
    from backend_services.platform.outbox import OutboxEvent
    from backend_services.platform.secrets_file import AUTH_SIGNING_KEY, read_local_secret
    from backend_services.platform.settings import Settings
    from backend_services.platform.telemetry import tracing
    from backend_services.task_service.users import service as users
    from launch.embedded import create_embedded_app

    tracing.configure_tracing(endpoint, 1.0, "task-service")
    with tempfile.TemporaryDirectory(prefix="bench-trace-") as tmp:
        settings = Settings(
            data_dir=Path(tmp), database_url=database_url, rest_writes_per_minute=10**9
        )
        gateway = create_embedded_app(settings, with_ui=False)
        engine = shared_engine(database_url)
        with session_scope(engine) as session:
            if session.get(users.User, "bench") is None:
                users.create_user(session, "bench")
        key = read_local_secret(settings.resolved_secrets_file(), AUTH_SIGNING_KEY)
        headers = {"authorization": f"Bearer {TokenSigner(key).issue('bench', 'user', 3600)}"}
        app = gateway.apps["task-service"]

        def outbox_empty() -> bool:
            with Session(engine) as session:
                return session.exec(select(OutboxEvent.seq).limit(1)).first() is None

        async def run() -> dict[str, Any]:
            transport = httpx.ASGITransport(app=app)
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(transport=transport, base_url="http://t") as client,
            ):
                for i in range(20):  # warm-up
                    await client.post("/tasks", json={"title": f"w{i}"}, headers=headers)
                while not outbox_empty():
                    await asyncio.sleep(0.05)
                tracing.flush()
                cpu0, wall0 = time.process_time(), time.perf_counter()
                for i in range(creates):
                    body = {"title": f"task {i}", "tags": ["bench"]}
                    resp = await client.post("/tasks", json=body, headers=headers)
                    assert resp.status_code == 201, resp.text
                while not outbox_empty():
                    await asyncio.sleep(0.05)
                tracing.flush()  # the export's CPU belongs to these creates
                cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            return {
                "tracing": endpoint is not None,
                "creates": creates,
                "cpu_ms_per_create": round(cpu * 1000 / creates, 3),
                "creates_per_s": round(creates / wall, 1),
            }

        return asyncio.run(run())


def _child(database_url: str, creates: int, endpoint: str | None) -> dict[str, Any]:
    code = (
        "import json, devtools.bench.tracing_cost as m; "
        f"print(json.dumps(m.measure({database_url!r}, {creates}, {endpoint!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run(creates: int = 300, rounds: int = 2) -> dict[str, Any]:
    from tests.support.pg import fresh_database, pg_server

    port = free_port()
    sink = subprocess.Popen([sys.executable, "-c", SINK, str(port)])
    try:
        with (
            tempfile.TemporaryDirectory(prefix="bench-trace-pg-") as tmp,
            pg_server(Path(tmp) / "pg") as cluster,
        ):
            runs: list[dict[str, Any]] = []
            for _ in range(rounds):
                for endpoint in (None, f"http://127.0.0.1:{port}"):
                    runs.append(_child(fresh_database(cluster), creates, endpoint))
    finally:
        sink.terminate()
        sink.wait(timeout=10)
    off = statistics.median(r["cpu_ms_per_create"] for r in runs if not r["tracing"])
    on = statistics.median(r["cpu_ms_per_create"] for r in runs if r["tracing"])
    return {
        "creates": creates,
        "rounds": rounds,
        "cpu_ms_per_create_off": off,
        "cpu_ms_per_create_on": on,
        "overhead_pct": round((on - off) * 100 / off, 1) if off else None,
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devtools.bench.tracing_cost", description=__doc__)
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.creates, args.rounds), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
