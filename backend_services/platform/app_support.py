"""What every service app shares: the engine, the token signer, the runtime, the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy import Engine
from sqlmodel import Session

from backend_services.contracts import SECRETSTORE
from backend_services.platform.auth import Principal, TokenSigner, bearer_token
from backend_services.platform.db import make_engine
from backend_services.platform.errors import Forbidden, Unauthorized, install_error_handlers
from backend_services.platform.limits import install_body_limit
from backend_services.platform.outbox import OutboxRelay
from backend_services.platform.runtime import Runtime
from backend_services.platform.runtime_guard import RuntimeCallerGuard
from backend_services.platform.secrets_file import AUTH_SIGNING_KEY
from backend_services.platform.settings import Settings
from backend_services.platform.telemetry.middleware import TelemetryMiddleware
from backend_services.users.models import User
from backend_services.users.tokens import PREFIX as PAT_PREFIX
from backend_services.users.tokens import owner_of as pat_owner

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

    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        # ours instead (TelemetryMiddleware): same spans in every runtime, plus Prometheus
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    install_body_limit(app, settings.max_body_bytes)
    app.add_middleware(RuntimeCallerGuard, expected=lambda: runtime.app_token)
    # outermost: refused requests are counted and traced too; routes that trace themselves
    # (one span per delivered event, per job) are added to this set as they mount
    app.state.untraced_paths = set()
    app.add_middleware(TelemetryMiddleware, app_id=app_id, untraced=app.state.untraced_paths)

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


auth_log = logging.getLogger("todo.auth")


def get_principal(request: Request, session: Annotated[Session, Depends(get_session)]) -> Principal:
    """Who is calling: a signed token (user, admin or service) or a personal access token.

    Users are looked up on every request, so a disabled user is refused at once whatever
    token they hold, and the role comes from the database, not from the token's claim.
    The lookup uses the request's own session: the route finds the user row in its identity
    map (no second query, no second connection). Every refusal is logged (method, path,
    reason; never the token)."""
    ctx = get_ctx(request)
    try:
        token = bearer_token(request.headers.get("authorization"))
        principal = _resolve(ctx, session, token)
    except Unauthorized as exc:
        auth_log.warning("401 %s %s: %s", request.method, request.url.path, exc.detail)
        raise
    request.state.principal = principal
    return principal


def _resolve(ctx: AppContext, session: Session, token: str) -> Principal:
    if token.startswith(PAT_PREFIX):
        return _active_user(session, pat_owner(session, token))
    claimed = ctx.tokens().verify(token)
    if claimed.is_service:
        return claimed
    return _active_user(session, claimed.subject, claimed.issued_at)


def _active_user(session: Session, user_id: str, issued_at: datetime | None = None) -> Principal:
    user = session.get(User, user_id)
    if user is None or user.disabled:
        raise Unauthorized("unknown or disabled user")
    if issued_at is not None and issued_at < user.created_at.replace(microsecond=0):
        # minted for an earlier account of the same name (deleted, then created again)
        raise Unauthorized("token predates this account")
    # the identity map holds rows weakly: keep this one for the request's session, so the
    # route's `session.get(User, ...)` costs no query
    session.info["caller"] = user
    return Principal(subject=user.id, role="admin" if user.role == "admin" else "user")


def require_admin(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if principal.role != "admin":
        raise Forbidden("admin only")
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
AdminDep = Annotated[Principal, Depends(require_admin)]
