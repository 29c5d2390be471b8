"""What one `POST /tasks` costs inside task-service on PostgreSQL: SQL statements, commits,
pool checkouts and process CPU per create (counted, so stable on a noisy machine).

    python -m devtools.bench.create_cost [--creates 300] [--repo DIR]

`--repo` runs the same measurement against another checkout (a baseline worktree) in a
child process, so baseline and change are measured in the same run. Prints JSON.
The task-service app runs in this process against a throwaway PostgreSQL cluster, with the
embedded runtime's relay and consumers stopped: this is the request path alone.
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

REPO = Path(__file__).resolve().parents[2]


def measure(creates: int) -> dict[str, Any]:
    import httpx
    from sqlalchemy import event

    import backend_services
    from backend_services.platform.app_support import shared_engine
    from backend_services.platform.auth import TokenSigner
    from backend_services.platform.db import session_scope
    from backend_services.platform.secrets_file import AUTH_SIGNING_KEY, read_local_secret
    from backend_services.platform.settings import Settings
    from backend_services.task_service.users import service as users
    from tests.support.pg import fresh_database, pg_server

    # the checkout measured: before process wiring moved to launch/, it lived in
    # backend_services (and this repo's launch/ must not be mixed with that code)
    if (Path(backend_services.__file__).parent / "embedded.py").exists():
        from backend_services.embedded import create_embedded_app  # type: ignore[import-not-found]
    else:
        from launch.embedded import create_embedded_app

    with (
        tempfile.TemporaryDirectory(prefix="bench-create-") as tmp,
        pg_server(Path(tmp) / "pg") as cluster,
    ):
        url = fresh_database(cluster)
        settings = Settings(
            data_dir=Path(tmp) / "data", database_url=url, rest_writes_per_minute=10**9
        )
        gateway = create_embedded_app(settings, with_ui=False)
        engine = shared_engine(url)
        with session_scope(engine) as session:
            users.create_user(session, "bench")
        secrets_file = (  # the baseline's Settings had no resolver yet
            settings.resolved_secrets_file()
            if hasattr(settings, "resolved_secrets_file")
            else settings.secrets_file or settings.data_dir / "secrets.json"
        )
        key = read_local_secret(secrets_file, AUTH_SIGNING_KEY)
        headers = {"authorization": f"Bearer {TokenSigner(key).issue('bench', 'user', 3600)}"}
        task_app = gateway.apps["task-service"]
        counts = {"statements": 0, "commits": 0, "checkouts": 0}

        def on_statement(*_a: Any) -> None:
            counts["statements"] += 1

        def on_commit(*_a: Any) -> None:
            counts["commits"] += 1

        def on_checkout(*_a: Any) -> None:
            counts["checkouts"] += 1

        async def run() -> dict[str, Any]:
            transport = httpx.ASGITransport(app=task_app)
            async with task_app.router.lifespan_context(task_app):
                for relay in task_app.state.ctx.relays:  # the request path alone
                    await relay.stop()
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                    for i in range(20):  # warm-up
                        await c.post("/tasks", json={"title": f"w{i}"}, headers=headers)
                    event.listen(engine, "before_cursor_execute", on_statement)
                    event.listen(engine, "commit", on_commit)
                    event.listen(engine.pool, "checkout", on_checkout)
                    cpu0, wall0 = time.process_time(), time.perf_counter()
                    for i in range(creates):
                        body = {"title": f"task {i}", "tags": ["bench"]}
                        resp = await c.post("/tasks", json=body, headers=headers)
                        assert resp.status_code == 201, resp.text
                    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            return {
                "creates": creates,
                **{k: round(v / creates, 2) for k, v in counts.items()},
                "cpu_ms_per_create": round(cpu * 1000 / creates, 2),
                "creates_per_s_sequential": round(creates / wall, 1),
            }

        return asyncio.run(run())


def measure_in(repo: Path, creates: int) -> dict[str, Any]:
    """The same measurement in another checkout (its own code), in a child process."""
    env = {**os.environ, "PYTHONPATH": str(repo)}
    code = (
        f"import json,sys; sys.path.insert(0, {str(REPO)!r}); "
        "import devtools.bench.create_cost as m; "
        f"sys.path.remove({str(REPO)!r}); "
        f"print(json.dumps(m.measure({creates})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def compare(baseline_ref: str, creates: int) -> dict[str, Any]:
    """This checkout and `baseline_ref` (checked out as a temporary git worktree)."""
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(tree), baseline_ref],
            check=True,
        )
        try:
            baseline = measure_in(tree, creates)
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False
            )
    return {"baseline_ref": baseline_ref, "baseline": baseline, "current": measure(creates)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devtools.bench.create_cost", description=__doc__)
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument("--repo", type=Path, default=None, help="measure this checkout instead")
    args = parser.parse_args(argv)
    result = measure_in(args.repo, args.creates) if args.repo else measure(args.creates)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
