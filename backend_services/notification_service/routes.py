"""notification-service's routes: a user's own notifications."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from backend_services.notification_service import service
from backend_services.notification_service.models import NotificationPublic
from backend_services.platform.app_support import PrincipalDep, SessionDep
from backend_services.platform.ids import NotificationId

router = APIRouter()


@router.get("/notifications", response_model=list[NotificationPublic], tags=["notifications"])
def list_notifications(
    principal: PrincipalDep,
    session: SessionDep,
    undelivered: bool = False,
    unacked: bool = False,
) -> list[NotificationPublic]:
    return service.list_for_user(
        session, principal.user_id, undelivered=undelivered, unacked=unacked
    )


@router.post(
    "/notifications/{notification_id}/{action}",
    response_model=NotificationPublic,
    tags=["notifications"],
    responses={404: {"description": "No such notification"}},
)
def mark(
    notification_id: NotificationId,
    action: Literal["ack", "delivered"],
    principal: PrincipalDep,
    session: SessionDep,
) -> NotificationPublic:
    what = "acked" if action == "ack" else "delivered"
    return service.mark(session, principal.user_id, notification_id, what=what)
