"""Embedded mode: every service app and the chat UI in one process, on SQLite by default,
wired by the embedded runtime. This is what `make run` / `todo up` serve."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from backend_services.contracts import REMINDER_SWEEP_BINDING, AppId
from backend_services.platform.app_support import shared_engine
from backend_services.platform.embedded_runtime import EmbeddedRuntime
from backend_services.platform.runtime_guard import PublicOnly
from backend_services.platform.schema_check import ensure_schema
from backend_services.platform.secrets_file import (
    AUTH_SIGNING_KEY,
    ensure_local_secrets,
    read_local_secret,
)
from backend_services.platform.settings import Settings
from launch.services import BACKEND_SERVICES, PUBLIC_ROUTES


class EmbeddedGateway:
    """One ASGI app: routes public API prefixes to their service, the rest to the chat UI,
    and runs every app's lifespan plus the embedded runtime."""

    def __init__(self, runtime: EmbeddedRuntime, apps: dict[str, Any], ui: Any | None) -> None:
        self.runtime = runtime
        self.apps = apps
        self.ui = ui
        # the runtime calls apps directly: runtime-only paths are never routed in from outside
        self._public = PublicOnly(self._dispatch)

    def route(self, path: str) -> ASGIApp:
        for prefix, app_id in PUBLIC_ROUTES.items():
            if path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + "?"):
                return self.apps[app_id]  # type: ignore[no-any-return]
        return self.ui or self.apps[AppId.TASKS.value]  # type: ignore[no-any-return]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        await self._public(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.route(scope.get("path", "/"))(scope, receive, send)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for app in self.apps.values():
                await stack.enter_async_context(app.router.lifespan_context(app))
            await self.runtime.start()
            stack.push_async_callback(self.runtime.aclose)
            yield

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        message = await receive()
        assert message["type"] == "lifespan.startup"
        try:
            async with self.running():
                await send({"type": "lifespan.startup.complete"})
                message = await receive()
                assert message["type"] == "lifespan.shutdown"
        except Exception as exc:
            await send({"type": "lifespan.startup.failed", "message": str(exc)})
            raise
        await send({"type": "lifespan.shutdown.complete"})


def create_embedded_app(settings: Settings, *, with_ui: bool = True) -> EmbeddedGateway:
    """`with_ui=False` leaves out Chainlit and the agent's UI (the CLI needs neither)."""
    url = settings.resolved_database_url()
    ensure_schema(url, shared_engine(url))  # Alembic only when not at head already
    secrets_file = settings.resolved_secrets_file()
    ensure_local_secrets(secrets_file)
    runtime = EmbeddedRuntime(
        shared_engine(url), secrets_file, linger_seconds=settings.event_linger_ms / 1000
    )
    apps: dict[str, Any] = {
        app_id: factory(settings, runtime.for_app(app_id))
        for app_id, factory in BACKEND_SERVICES.items()
    }
    if with_ui:
        from chat_ui.server import create_app as chat_app

        apps[AppId.CHAT_UI.value] = chat_app(
            settings,
            runtime.for_app(AppId.CHAT_UI.value),
            signing_key=read_local_secret(secrets_file, AUTH_SIGNING_KEY),
        )
    for app_id, app in apps.items():
        runtime.register(app_id, app)
    runtime.add_cron_binding(
        AppId.REMINDERS.value, REMINDER_SWEEP_BINDING, settings.reminder_sweep_seconds
    )
    return EmbeddedGateway(runtime, apps, apps.get(AppId.CHAT_UI.value))
