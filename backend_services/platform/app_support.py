"""What every service app shares: the engine, the token signer, the runtime, the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy import Engine
from sqlmodel import Session

from backend_services.contracts import SECRETSTORE
from backend_services.platform.auth import Principal, TokenSigner, bearer_token
from backend_services.platform.db import make_engine
from backend_services.platform.errors import Forbidden, install_error_handlers
from backend_services.platform.limits import install_body_limit
from backend_services.platform.outbox import OutboxRelay
from backend_services.platform.runtime import Runtime
from backend_services.platform.secrets_file import AUTH_SIGNING_KEY
from backend_services.platform.settings import Settings

log = logging.getLogger("todo.app")

Hook = Callable[["AppContext"], Awaitable[None]]


@cache
def shared_engine(url: str) -> Engine:
    return make_engine(url)


@dataclass
class AppContext:
    settings: Settings
    runtime: Runtime
    engine: Engine
    app_id: str
    signer: TokenSigner | None = None
    on_start: list[Hook] = field(default_factory=list)
    on_stop: list[Hook] = field(default_factory=list)
    relays: list[OutboxRelay] = field(default_factory=list)

    def tokens(self) -> TokenSigner:
        if self.signer is None:
            raise RuntimeError("app not started: no signing key yet")
        return self.signer

    def relay_outbox(self, source: str) -> None:
        """Run an outbox relay for `source` while the app lives."""
        relays: list[OutboxRelay] = []

        async def start(ctx: AppContext) -> None:
            relay = OutboxRelay(ctx.engine, ctx.runtime, source, ctx.settings.outbox_poll_seconds)
            relays.append(relay)
            self.relays.append(relay)
            await relay.start()

        async def stop(_ctx: AppContext) -> None:
            for relay in relays:
                await relay.stop()

        self.on_start.append(start)
        self.on_stop.append(stop)

    def service_token(self) -> str:
        return self.tokens().issue_service(self.app_id, self.settings.service_token_ttl_seconds)


def build_service_app(
    settings: Settings, runtime: Runtime, app_id: str, *, title: str, description: str
) -> tuple[FastAPI, AppContext]:
    ctx = AppContext(
        settings=settings,
        runtime=runtime,
        engine=shared_engine(settings.resolved_database_url()),
        app_id=app_id,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        ctx.signer = TokenSigner(await runtime.get_secret(SECRETSTORE, AUTH_SIGNING_KEY))
        for hook in ctx.on_start:
            await hook(ctx)
        try:
            yield
        finally:
            for hook in reversed(ctx.on_stop):
                await hook(ctx)
            await runtime.stop()

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.ctx = ctx
    install_error_handlers(app)
    install_body_limit(app, settings.max_body_bytes)

    @app.get("/healthz", tags=["health"], summary="Liveness and readiness of this service")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "app_id": app_id}

    return app, ctx


def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def get_session(request: Request):  # type: ignore[no-untyped-def]
    with Session(get_ctx(request).engine, expire_on_commit=False) as session:
        yield session


def get_principal(request: Request) -> Principal:
    token = bearer_token(request.headers.get("authorization"))
    principal = get_ctx(request).tokens().verify(token)
    request.state.principal = principal
    return principal


def require_service(*app_ids: str) -> Callable[[Principal], Principal]:
    def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not principal.is_service or principal.subject.removeprefix("service:") not in app_ids:
            raise Forbidden("this operation is reserved to " + ", ".join(app_ids))
        return principal

    return check


CtxDep = Annotated[AppContext, Depends(get_ctx)]
SessionDep = Annotated[Session, Depends(get_session)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
