"""Every service app of the embedded product behind its own real HTTP port (uvicorn on
127.0.0.1), all in one background thread and event loop: for clients that need a URL
(schemathesis) while the embedded runtime keeps delivering events between the apps."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from backend_services.platform.settings import Settings
from tests.support.embedded_env import EmbeddedEnv, embedded_env


@dataclass
class ServedApps:
    env: EmbeddedEnv
    urls: dict[str, str] = field(default_factory=dict)


@contextmanager
def serve_apps(
    settings: Settings, timeout: float = 30.0, *, with_ui: bool = False
) -> Iterator[ServedApps]:
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def main() -> None:
        stop = asyncio.Event()
        holder["loop"], holder["stop"] = asyncio.get_running_loop(), stop
        try:
            async with embedded_env(settings, with_ui=with_ui) as env:
                served = ServedApps(env)
                servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []
                for app_id, app in env.gateway.apps.items():
                    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    sock.bind(("127.0.0.1", 0))
                    config = uvicorn.Config(app, lifespan="off", log_level="warning")
                    server = uvicorn.Server(config)
                    servers.append((server, asyncio.create_task(server.serve(sockets=[sock]))))
                    served.urls[app_id] = f"http://127.0.0.1:{sock.getsockname()[1]}"
                while not all(s.started for s, _ in servers):
                    await asyncio.sleep(0.01)
                holder["served"] = served
                ready.set()
                await stop.wait()
                for server, _ in servers:
                    server.should_exit = True
                await asyncio.gather(*(t for _, t in servers), return_exceptions=True)
        except BaseException as exc:
            holder["error"] = exc
            ready.set()
            raise

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    if not ready.wait(timeout) or "error" in holder:
        raise RuntimeError(f"services did not start: {holder.get('error')}")
    try:
        yield holder["served"]
    finally:
        holder["loop"].call_soon_threadsafe(holder["stop"].set)
        thread.join(timeout=15)
