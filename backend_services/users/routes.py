"""Login and the caller's own profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from backend_services.contracts import AppId
from backend_services.platform.app_support import (
    CtxDep,
    PrincipalDep,
    SessionDep,
    require_service,
)
from backend_services.platform.auth import Principal, Role
from backend_services.platform.rest_limits import rest_write_limit
from backend_services.service_schemas import UserZones, ZonesQuery
from backend_services.users import service
from backend_services.users.models import LoginRequest, LoginResponse, UserPatch, UserPublic

router = APIRouter(tags=["users"])
internal = APIRouter(prefix="/internal", tags=["internal"], include_in_schema=False)
NotificationService = Annotated[Principal, Depends(require_service(AppId.NOTIFICATIONS.value))]


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


@internal.post("/users/zones", response_model=UserZones)
def user_zones(body: ZonesQuery, _caller: NotificationService, session: SessionDep) -> UserZones:
    """Time zones of the users a batch of reminders is for (notification-service words each
    notification in its user's zone; it reads no user table)."""
    return UserZones(zones=service.time_zones(session, body.user_ids))
