"""What every service app shares: the engine, the token signer, the runtime, the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Protocol

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session

from backend_services.contracts import SECRETSTORE
from backend_services.platform.api_docs import install_api_docs
from backend_services.platform.auth import Principal, TokenSigner, bearer_token
from backend_services.platform.body_limits import SecurityHeaders, install_body_limit
from backend_services.platform.db import make_engine
from backend_services.platform.errors import Forbidden, Unauthorized, install_error_handlers
from backend_services.platform.outbox import OutboxRelay
from backend_services.platform.runtime import Runtime
from backend_services.platform.runtime_guard import RuntimeCallerGuard
from backend_services.platform.secrets_file import AUTH_SIGNING_KEY
from backend_services.platform.settings import Settings
from backend_services.platform.telemetry.middleware import TelemetryMiddleware

log = logging.getLogger("todo.app")

Hook = Callable[["AppContext"], Awaitable[None]]


class PrincipalResolver(Protocol):
    """Who a bearer token stands for. The platform only checks signatures; which users
    exist, are disabled or own a personal access token is the users domain's to say
    (`backend_services/kernel/principals.py` provides the resolver every service passes)."""

    def __call__(self, session: Session, token: str, signer: TokenSigner) -> Principal: ...


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
    principals: PrincipalResolver | None = None
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
            relay = OutboxRelay(
                ctx.engine,
                ctx.runtime,
                source,
                ctx.settings.outbox_poll_seconds,
                linger_seconds=ctx.settings.event_linger_ms / 1000,
            )
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
    settings: Settings,
    runtime: Runtime,
    app_id: str,
    *,
    title: str,
    description: str,
    principals: PrincipalResolver | None = None,
) -> tuple[FastAPI, AppContext]:
    """`principals` resolves the bearer tokens of `PrincipalDep` routes; an app without
    one serves no such route."""
    ctx = AppContext(
        settings=settings,
        runtime=runtime,
        engine=shared_engine(settings.resolved_database_url()),
        app_id=app_id,
        principals=principals,
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
        docs_url=None,  # ours, without a CDN (api_docs.py); no ReDoc (a CDN's script)
        redoc_url=None,
        # ours instead (TelemetryMiddleware): same spans in every runtime, plus Prometheus
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.ctx = ctx
    install_api_docs(app)
    install_error_handlers(app)
    install_body_limit(app, settings.max_body_bytes, settings.body_read_seconds)
    app.add_middleware(RuntimeCallerGuard, expected=lambda: runtime.app_token)
    # outermost: refused requests are counted and traced too; routes that trace themselves
    # (one span per delivered event, per job) are added to this set as they mount
    app.state.untraced_paths = set()
    app.add_middleware(TelemetryMiddleware, app_id=app_id, untraced=app.state.untraced_paths)
    app.add_middleware(SecurityHeaders)

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


# Names the bearer scheme in the OpenAPI (Swagger UI's Authorize button) on every route that
# needs a caller; the token is still read and checked by `bearer_token` below
BEARER_SCHEME = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A user token (`todo token`, POST /auth/login) or a personal access token.",
)


def authenticated(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER_SCHEME)] = None,
) -> Principal:
    """Who is calling: a signed token (user, admin or service) or a personal access token,
    as the app's `PrincipalResolver` says. The resolver uses the request's own session (the
    route then finds the caller's row in its identity map: no second query, no second
    connection). Every refusal is logged (method, path, reason; never the token)."""
    ctx = get_ctx(request)
    if ctx.principals is None:
        raise RuntimeError(f"{ctx.app_id} was built without a principal resolver")
    try:
        token = bearer_token(request.headers.get("authorization"))
        principal = ctx.principals(session, token, ctx.tokens())
    except Unauthorized as exc:
        auth_log.warning("401 %s %s: %s", request.method, request.url.path, exc.detail)
        raise
    request.state.principal = principal
    return principal


def get_principal(
    request: Request, principal: Annotated[Principal, Depends(authenticated)]
) -> Principal:
    """The caller of a user route: a personal access token needs the `tasks` scope; a
    read-only OAuth token (`tasks:read` alone) may only read."""
    if not principal.allows("tasks"):
        raise Forbidden("this access token lacks the 'tasks' scope")
    if principal.read_only and request.method not in ("GET", "HEAD"):
        raise Forbidden("this access token may only read (it lacks the 'tasks:write' scope)")
    return principal


def require_admin(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
    """An admin; through a personal access token only with the `admin` scope (the resolver
    gives an admin's token without it the role `user`)."""
    if principal.role != "admin" or not principal.allows("admin"):
        raise Forbidden("admin only")
    return principal


def require_service(*app_ids: str) -> Callable[[Principal], Principal]:
    def check(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        if not principal.is_service or principal.subject.removeprefix("service:") not in app_ids:
            raise Forbidden("this operation is reserved to " + ", ".join(app_ids))
        return principal

    return check


CtxDep = Annotated[AppContext, Depends(get_ctx)]
SessionDep = Annotated[Session, Depends(get_session)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
AdminDep = Annotated[Principal, Depends(require_admin)]
