"""Login and the caller's own profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from backend_services.contracts import AppId
from backend_services.kernel import accounts
from backend_services.kernel.accounts import (
    AccountQuery,
    AccountSession,
    LoginRequest,
    LoginResponse,
    UserPatch,
    UserPublic,
)
from backend_services.kernel.service_schemas import UserZones, ZonesQuery
from backend_services.platform.app_support import (
    CtxDep,
    PrincipalDep,
    SessionDep,
    require_service,
)
from backend_services.platform.auth import Principal, Role, bearer_token
from backend_services.platform.errors import Unauthorized
from backend_services.platform.rest_write_limit import rest_write_limit
from backend_services.task_service.users import service
from backend_services.task_service.users.sign_in import SignInGuard, sign_in

router = APIRouter(tags=["users"])
internal = APIRouter(prefix="/internal", tags=["internal"], include_in_schema=False)
NotificationService = Annotated[Principal, Depends(require_service(AppId.NOTIFICATIONS.value))]
ChatService = Annotated[Principal, Depends(require_service(AppId.CHAT_UI.value))]


@router.post(
    "/auth/login",
    response_model=LoginResponse,
    summary="Exchange a password for a token",
    responses={
        429: {"description": "Too many attempts from this address or for this account"},
        503: {"description": "Too many sign-ins at once; retry after Retry-After seconds"},
    },
)
async def login(body: LoginRequest, request: Request, ctx: CtxDep) -> LoginResponse:
    guard: SignInGuard = request.app.state.sign_in
    user = await sign_in(guard, ctx.engine, body.username, body.password, _client(request, ctx))
    role: Role = "admin" if user.role == "admin" else "user"
    ttl = ctx.settings.user_token_ttl_seconds
    token = ctx.tokens().issue(user.id, role, ttl, account=accounts.account_stamp(user))
    return LoginResponse(token=token, user=service.to_public(user))


def _client(request: Request, ctx: CtxDep) -> str | None:
    """The caller's address, counted by the per-client limit; None for the chat UI signing
    a browser in (it presents its service token and has throttled that browser's address)."""
    header = request.headers.get("authorization")
    if header:
        try:
            caller = ctx.tokens().verify(bearer_token(header))
        except Unauthorized:
            caller = None
        if caller is not None and caller.subject == f"service:{AppId.CHAT_UI.value}":
            return None
    return request.client.host if request.client else "unknown"


@router.get("/me", response_model=UserPublic, summary="The signed-in user")
def me(principal: PrincipalDep, session: SessionDep) -> UserPublic:
    return service.to_public(accounts.get_active_user(session, principal.user_id))


@router.patch(
    "/me",
    response_model=UserPublic,
    summary="Change your display name or time zone",
    dependencies=[Depends(rest_write_limit)],
)
def update_me(body: UserPatch, principal: PrincipalDep, session: SessionDep) -> UserPublic:
    user = service.update_profile(
        session, principal.user_id, timezone=body.timezone, display_name=body.display_name
    )
    return service.to_public(user)


@internal.post("/users/zones", response_model=UserZones)
def user_zones(body: ZonesQuery, _caller: NotificationService, session: SessionDep) -> UserZones:
    """Time zones of the users a batch of reminders is for (notification-service words each
    notification in its user's zone; it reads no user table)."""
    return UserZones(zones=service.time_zones(session, body.user_ids))


@internal.post("/users/session", response_model=AccountSession)
def account_session(
    body: AccountQuery, _caller: ChatService, session: SessionDep
) -> AccountSession:
    """A live account and its binding, for a chat session a trusted auth proxy's header
    signs in (no password: the proxy vouched for the person); 401 when unknown or
    disabled."""
    user = accounts.get_active_user(session, body.username.strip().lower())
    stamp = accounts.account_stamp(user)
    return AccountSession(user=service.to_public(user), acct=stamp.created_us, ver=stamp.version)
