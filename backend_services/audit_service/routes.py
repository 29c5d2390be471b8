"""audit-service's routes: the audit log, event rates, the dead-letter inbox (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from backend_services.audit_service import service
from backend_services.kernel.service_schemas import AuditPublic, DeadLetterPublic, EventRates
from backend_services.platform.app_support import AdminDep, CtxDep, SessionDep
from backend_services.platform.db import new_session
from backend_services.platform.inputs import BoundedDatetime, SafeText
from backend_services.platform.timeutil import utcnow

LetterId = Annotated[int, Path(ge=1, le=2**31 - 1)]

router = APIRouter()


@router.get("/audit", response_model=list[AuditPublic], tags=["audit"])
def audit_log(
    _admin: AdminDep,
    session: SessionDep,
    user_id: Annotated[SafeText | None, Query(max_length=64)] = None,
    type: Annotated[SafeText | None, Query(max_length=200)] = None,
    since: BoundedDatetime | None = None,
    until: BoundedDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[AuditPublic]:
    return service.query(
        session,
        user_id=user_id,
        type=type,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )


@router.get("/audit/rates", response_model=EventRates, tags=["audit"])
def rates(_admin: AdminDep, session: SessionDep) -> EventRates:
    """Events per minute, for task-service's `GET /admin/stats`."""
    return service.event_rates(session, utcnow())


@router.get("/dead-letters", response_model=list[DeadLetterPublic], tags=["audit"])
def list_dead_letters(
    _admin: AdminDep,
    session: SessionDep,
    status: Annotated[SafeText | None, Query(max_length=16)] = "pending",
) -> list[DeadLetterPublic]:
    return service.dead_letters(session, status)


@router.post("/dead-letters/{letter_id}/replay", response_model=DeadLetterPublic, tags=["audit"])
async def replay(letter_id: LetterId, _admin: AdminDep, ctx: CtxDep) -> DeadLetterPublic:
    with new_session(ctx.engine) as session:
        return await service.replay_dead_letter(session, ctx.runtime, letter_id)


@router.post("/dead-letters/{letter_id}/discard", response_model=DeadLetterPublic, tags=["audit"])
def discard(letter_id: LetterId, _admin: AdminDep, ctx: CtxDep) -> DeadLetterPublic:
    with new_session(ctx.engine) as session:
        return service.discard_dead_letter(session, letter_id)
