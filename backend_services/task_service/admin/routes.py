"""Admin REST API (role `admin`), mounted under /admin in task-service. Every call is
recorded in the admin-action log (see models.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from sqlmodel import col, select

from backend_services.contracts import AppId
from backend_services.kernel import tokens
from backend_services.kernel.accounts import UserPublic
from backend_services.kernel.service_schemas import AuditPublic, DeadLetterPublic, ReminderView
from backend_services.kernel.task_schemas import TaskPage, TaskQuery
from backend_services.platform.app_support import AdminDep, CtxDep, SessionDep
from backend_services.platform.errors import Conflict
from backend_services.platform.ids import UserName
from backend_services.platform.inputs import BoundedDatetime, SafeText
from backend_services.platform.rest_write_limit import rest_write_limit
from backend_services.platform.service_paths import service_path
from backend_services.platform.timeutil import utcnow
from backend_services.task_service.admin import health, proxy
from backend_services.task_service.admin.models import AdminAction, AdminActionPublic, record
from backend_services.task_service.admin.schemas import (
    HealthReport,
    PasswordReset,
    Stats,
    UserCreate,
)
from backend_services.task_service.admin.stats import collect
from backend_services.task_service.tasks import service as tasks
from backend_services.task_service.users import service as users
from backend_services.task_service.users.deletion import delete_account

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid or expired token, or a disabled user"},
    403: {"description": "The caller is not an admin"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such user or item"}}

router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    responses=ERRORS,
    dependencies=[Depends(rest_write_limit)],
)


# users ---------------------------------------------------------------------------------
@router.get("/users", response_model=list[UserPublic], summary="Every user")
def list_users(admin: AdminDep, session: SessionDep) -> list[UserPublic]:
    found = [users.to_public(u) for u in users.list_users(session)]
    record(session, admin, "users.list")
    return found


@router.post("/users", response_model=UserPublic, status_code=201, summary="Create a user")
def create_user(body: UserCreate, admin: AdminDep, session: SessionDep) -> UserPublic:
    user = users.create_user(
        session,
        body.username,
        password=body.password,
        timezone=body.timezone,
        role=body.role,
        display_name=body.display_name,
    )
    record(session, admin, "users.create", user.id, role=body.role)
    return users.to_public(user)


@router.post("/users/{username}/disable", response_model=UserPublic, responses=NOT_FOUND)
def disable_user(username: UserName, admin: AdminDep, session: SessionDep) -> UserPublic:
    """Disabled users are refused (401) on every request, whatever token they hold."""
    if username == admin.subject:
        raise Conflict("you cannot disable yourself")
    user = users.set_disabled(session, username, True)
    record(session, admin, "users.disable", user.id)
    return users.to_public(user)


@router.delete("/users/{username}", responses=NOT_FOUND, summary="Delete a user and purge")
def delete_user(username: UserName, admin: AdminDep, session: SessionDep) -> dict[str, int]:
    """Revokes and purges tokens and tasks (with their events) at once; notifications and
    chat history follow when their services consume `UserDeleted`. A user created later
    under the same name starts empty; older tokens are refused."""
    if username == admin.subject:
        raise Conflict("you cannot delete yourself")
    purged = delete_account(session, username)
    counts: dict[str, Any] = dict(purged)
    record(session, admin, "users.delete", username, **counts)
    return purged


@router.post("/users/{username}/enable", response_model=UserPublic, responses=NOT_FOUND)
def enable_user(username: UserName, admin: AdminDep, session: SessionDep) -> UserPublic:
    user = users.set_disabled(session, username, False)
    record(session, admin, "users.enable", user.id)
    return users.to_public(user)


@router.post("/users/{username}/password", response_model=UserPublic, responses=NOT_FOUND)
def reset_password(
    username: UserName, body: PasswordReset, admin: AdminDep, session: SessionDep
) -> UserPublic:
    user = users.set_password(session, username, body.password)
    revoked = tokens.revoke_all(session, user.id) if body.revoke_tokens else None
    record(session, admin, "users.reset_password", user.id, tokens_revoked=revoked)
    return users.to_public(user)


@router.get("/users/{username}/tasks", response_model=TaskPage, responses=NOT_FOUND)
def user_tasks(
    username: UserName,
    query: Annotated[TaskQuery, Query()],
    admin: AdminDep,
    session: SessionDep,
) -> TaskPage:
    """Read-only view of any user's tasks (same filters as `GET /tasks`)."""
    user_id = users.get_user(session, username).id
    page = tasks.list_tasks(session, user_id, query)
    record(session, admin, "tasks.read", user_id)
    return page


# audit log and dead letters (audit-service) --------------------------------------------
@router.get("/audit", response_model=list[AuditPublic], summary="Query the event audit log")
async def audit_log(
    admin: AdminDep,
    ctx: CtxDep,
    session: SessionDep,
    user_id: Annotated[SafeText | None, Query(max_length=64)] = None,
    type: Annotated[SafeText | None, Query(max_length=200)] = None,
    since: BoundedDatetime | None = None,
    until: BoundedDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Any:
    params = {
        "user_id": user_id,
        "type": type,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "limit": limit,
        "offset": offset,
    }
    rows = await proxy.call(ctx, admin, AppId.AUDIT.value, "audit", params=params)
    record(session, admin, "audit.query", user_id, type=type)
    return rows


DeadLetterStatus = Literal["pending", "replayed", "discarded"]


@router.get("/dead-letters", response_model=list[DeadLetterPublic])
async def dead_letters(
    admin: AdminDep, ctx: CtxDep, session: SessionDep, status: DeadLetterStatus | None = "pending"
) -> Any:
    params = {"status": status or ""}
    rows = await proxy.call(ctx, admin, AppId.AUDIT.value, "dead-letters", params=params)
    record(session, admin, "dead_letters.list", None, status=status)
    return rows


@router.post(
    "/dead-letters/{letter_id}/{verb}", response_model=DeadLetterPublic, responses=NOT_FOUND
)
async def settle_dead_letter(
    letter_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    verb: Literal["replay", "discard"],
    admin: AdminDep,
    ctx: CtxDep,
    session: SessionDep,
) -> Any:
    """Replay republishes the message on its original topic; discard drops it."""
    target = f"dead-letter:{letter_id}"
    try:
        letter = await proxy.call(
            ctx,
            admin,
            AppId.AUDIT.value,
            service_path("dead-letters", letter_id, verb),
            method="POST",
        )
    except Exception as exc:
        record(session, admin, f"dead_letters.{verb}", target, outcome=type(exc).__name__)
        raise
    record(session, admin, f"dead_letters.{verb}", target, event_id=letter.get("event_id"))
    return letter


# reminders, health, counts, the admin log ----------------------------------------------
@router.get("/reminders", response_model=list[ReminderView])
async def reminders(
    admin: AdminDep,
    ctx: CtxDep,
    session: SessionDep,
    state: Literal["pending", "late", "fired"] | None = None,
    with_jobs: bool = True,
) -> Any:
    """Reminders and their scheduler jobs (reminder-service)."""
    params = {"state": state, "with_jobs": str(with_jobs).lower()}
    rows = await proxy.call(ctx, admin, AppId.REMINDERS.value, "reminders", params=params)
    record(session, admin, "reminders.list", None, state=state)
    return rows


@router.get("/health", response_model=HealthReport, summary="Health of every service")
async def service_health(admin: AdminDep, ctx: CtxDep, session: SessionDep) -> HealthReport:
    report = await health.check_all(ctx.runtime)
    record(session, admin, "health.check", None, status=report.status)
    return report


@router.get("/stats", response_model=Stats, summary="Tasks, events/min, reminder lateness")
async def stats(admin: AdminDep, ctx: CtxDep, session: SessionDep) -> Stats:
    result = await collect(ctx, admin, session, utcnow())
    record(session, admin, "stats.read")
    return result


@router.get("/actions", response_model=list[AdminActionPublic], summary="The admin-action log")
def actions(
    admin: AdminDep,
    session: SessionDep,
    admin_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AdminActionPublic]:
    stmt = select(AdminAction).order_by(col(AdminAction.id).desc()).limit(limit)
    if admin_id:
        stmt = stmt.where(AdminAction.admin_id == admin_id)
    if action:
        stmt = stmt.where(AdminAction.action == action)
    return [AdminActionPublic.model_validate(r, from_attributes=True) for r in session.exec(stmt)]
