"""One service behind its own daprd (the real stack and Kubernetes):
`python -m backend_services.serve <app-id> --host 127.0.0.1 --port N`."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from backend_services.contracts import SECRETSTORE, AppId
from backend_services.platform.migrate import upgrade
from backend_services.platform.secrets_file import AUTH_SIGNING_KEY
from backend_services.platform.settings import Settings
from backend_services.platform.sidecar_runtime import (
    SidecarRuntime,
    read_secret_sync,
    wait_for_sidecar,
)
from backend_services.services import BACKEND_SERVICES

DATABASE_URL_SECRET = "database-url"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="serve", description=__doc__)
    parser.add_argument("app_id", choices=[*BACKEND_SERVICES, AppId.CHAT_UI.value])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-migrate", action="store_true", help="migrations run elsewhere")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    settings = Settings(runtime="sidecar", app_id=args.app_id)
    wait_for_sidecar(settings.dapr_http_port)
    if not settings.database_url:
        settings.database_url = read_secret_sync(
            settings.dapr_http_port, SECRETSTORE, DATABASE_URL_SECRET
        )
    if not args.no_migrate:
        upgrade(settings.resolved_database_url())
    runtime = SidecarRuntime(settings.dapr_http_port, settings.dapr_grpc_port)
    if args.app_id == AppId.CHAT_UI.value:
        from chat_ui.server import create_app as chat_app

        key = read_secret_sync(settings.dapr_http_port, SECRETSTORE, AUTH_SIGNING_KEY)
        app = chat_app(settings, runtime, signing_key=key)
    else:
        app = BACKEND_SERVICES[args.app_id](settings, runtime)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
