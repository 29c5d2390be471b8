"""Login and the caller's own profile."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from backend_services.platform.app_support import CtxDep, PrincipalDep, SessionDep
from backend_services.platform.auth import Role
from backend_services.platform.rest_limits import rest_write_limit
from backend_services.users import service
from backend_services.users.models import LoginRequest, LoginResponse, UserPatch, UserPublic

router = APIRouter(tags=["users"])


@router.post("/auth/login", response_model=LoginResponse, summary="Exchange a password for a token")
def login(body: LoginRequest, session: SessionDep, ctx: CtxDep) -> LoginResponse:
    user = service.authenticate(session, body.username, body.password)
    role: Role = "admin" if user.role == "admin" else "user"
    token = ctx.tokens().issue(user.id, role, ctx.settings.user_token_ttl_seconds)
    return LoginResponse(token=token, user=service.to_public(user))


@router.get("/me", response_model=UserPublic, summary="The signed-in user")
def me(principal: PrincipalDep, session: SessionDep) -> UserPublic:
    return service.to_public(service.get_active_user(session, principal.user_id))


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
