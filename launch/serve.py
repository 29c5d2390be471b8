"""One service behind its own daprd (the real stack and Kubernetes):
`python -m launch.serve <app-id> --host 127.0.0.1 --port N [--public-port M]
[--metrics-port P]`.

`--port` is what daprd calls (its --app-port). With `--public-port`, that port listens on
127.0.0.1 only (daprd shares the host or pod) and the public port, on `--host`, serves the
same app minus every runtime-only path: what an Ingress or a Service may route to.
`--metrics-port` (or TODO_METRICS_PORT) serves only Prometheus metrics, on `--host`: for a
scraper inside the cluster, never routed by an Ingress."""

from __future__ import annotations

import argparse
import logging
import socket

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from backend_services.contracts import SECRETSTORE, AppId
from backend_services.platform.runtime_guard import PublicOnly
from backend_services.platform.secrets_file import AUTH_SIGNING_KEY
from backend_services.platform.settings import Settings
from backend_services.platform.sidecar_runtime import (
    SidecarRuntime,
    read_secret_sync,
    wait_for_sidecar,
)
from backend_services.platform.telemetry import setup_telemetry
from backend_services.platform.telemetry.metrics import metrics_app
from launch.services import BACKEND_SERVICES

DATABASE_URL_SECRET = "database-url"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="serve", description=__doc__)
    parser.add_argument("app_id", choices=[*BACKEND_SERVICES, AppId.CHAT_UI.value])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--public-port", type=int, help="a second listener without the runtime-only routes"
    )
    parser.add_argument("--metrics-port", type=int, help="a listener for Prometheus metrics")
    parser.add_argument("--no-migrate", action="store_true", help="migrations run elsewhere")
    args = parser.parse_args(argv)

    settings = Settings(runtime="sidecar", app_id=args.app_id)
    setup_telemetry(settings, args.app_id)
    wait_for_sidecar(settings.dapr_http_port)
    if not settings.database_url:
        settings.database_url = read_secret_sync(
            settings.dapr_http_port, SECRETSTORE, DATABASE_URL_SECRET
        )
    if not args.no_migrate:
        migrate_to_head(settings.resolved_database_url())
    if not settings.app_api_token:
        logging.getLogger("todo.serve").error(
            "APP_API_TOKEN is not set: subscription, job and binding routes will refuse every"
            " call (set it for both daprd and this app)"
        )
    runtime = SidecarRuntime(settings.dapr_http_port, settings.app_api_token)
    if args.app_id == AppId.CHAT_UI.value:
        from chat_ui.server import create_app as chat_app

        key = read_secret_sync(settings.dapr_http_port, SECRETSTORE, AUTH_SIGNING_KEY)
        app = chat_app(settings, runtime, signing_key=key)
    else:
        app = BACKEND_SERVICES[args.app_id](settings, runtime)
    metrics_port = args.metrics_port or settings.metrics_port
    public = None if args.public_port is None else (args.host, args.public_port)
    metrics = None if metrics_port is None else (args.host, metrics_port)
    sidecar_host = args.host if public is None else "127.0.0.1"
    serve_split(
        app,
        sidecar=(sidecar_host, args.port),
        public=public,
        metrics=metrics,
        ws_max_size=settings.max_chat_frame_bytes,
    )


def migrate_to_head(url: str) -> None:
    """Alembic (with Mako and Pygments: ~8 MB of RSS kept for the process's life) is imported
    only when the database is not at head yet; nearly always it is (schema_check)."""
    from backend_services.platform.db import make_engine
    from backend_services.platform.schema_check import ensure_schema

    engine = make_engine(url)
    try:
        ensure_schema(url, engine)
    finally:
        engine.dispose()


def serve_split(
    app: ASGIApp,
    *,
    sidecar: tuple[str, int],
    public: tuple[str, int] | None = None,
    metrics: tuple[str, int] | None = None,
    ws_max_size: int = 16 * 1024 * 1024,
) -> None:
    """One process, one app, up to three listeners: the sidecar's, the public one filtered,
    and metrics only. A websocket frame over `ws_max_size` closes its connection unread."""
    sockets = [_listen(*sidecar)]
    others: dict[int, ASGIApp] = {}
    if public is not None:
        sockets.append(_listen(*public))
        others[public[1]] = PublicOnly(app)
    if metrics is not None:
        sockets.append(_listen(*metrics))
        others[metrics[1]] = metrics_app()
    config = uvicorn.Config(
        dispatch_by_port(app, others),
        log_level="info",
        access_log=False,
        log_config=None,
        ws_max_size=ws_max_size,
    )
    uvicorn.Server(config).run(sockets=sockets)


def by_listener(app: ASGIApp, public_port: int) -> ASGIApp:
    """Requests that arrived on `public_port` (the scope's server port) see `PublicOnly(app)`;
    the rest, and the lifespan, see `app`."""
    return dispatch_by_port(app, {public_port: PublicOnly(app)})


def dispatch_by_port(app: ASGIApp, others: dict[int, ASGIApp]) -> ASGIApp:
    """Requests that arrived on a port of `others` (the scope's server port) see that app;
    the rest, and the lifespan, see `app`."""
    if not others:
        return app

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server") or ("", 0)
        await others.get(server[1], app)(scope, receive, send)

    return dispatch


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


if __name__ == "__main__":
    main()
