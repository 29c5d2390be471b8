"""Notifications: recorded once per reminder firing, listed, delivered, acknowledged."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlmodel import Session, col, select

from backend_services.contracts import AppId, NotificationCreated, ReminderTriggered
from backend_services.kernel import wording
from backend_services.kernel.service_schemas import UserZones, ZonesQuery
from backend_services.notification_service.models import Notification, NotificationPublic
from backend_services.platform.errors import NotFound
from backend_services.platform.idempotency import claim_many
from backend_services.platform.outbox import add_event
from backend_services.platform.runtime import Runtime
from backend_services.platform.timeutil import utcnow

SOURCE = AppId.NOTIFICATIONS.value


def record_reminders(
    session: Session,
    consumer: str,
    fired: list[tuple[str, ReminderTriggered]],
    zones: dict[str, str],
) -> int:
    """One notification (and its NotificationCreated) per ReminderTriggered event id seen
    for the first time; a bulk delivery is one transaction and a handful of statements.
    `zones`: each user's time zone (task-service owns users: `zones_for`)."""
    # one entry per event id (a copy inside one delivery is the same event), claimed in one
    # statement: every event id yields one notification at most
    by_id = dict(fired)
    fresh = claim_many(session, consumer, list(by_id))
    todo = [(event_id, by_id[event_id]) for event_id in by_id if event_id in fresh]
    if not todo:
        session.commit()  # nothing new: the claims are no-ops, end the transaction
        return 0
    for event_id, payload in todo:
        note = Notification(
            user_id=payload.user_id,
            source_event_id=event_id,
            reminder_id=payload.reminder_id,
            task_id=payload.task_id,
            title=payload.title,
            body=_body(payload, ZoneInfo(zones.get(payload.user_id) or "UTC")),
        )
        session.add(note)
        add_event(
            session,
            NotificationCreated(
                user_id=note.user_id,
                notification_id=note.id,
                task_id=note.task_id,
                title=note.title,
                body=note.body,
            ),
            source=SOURCE,
        )
    session.commit()
    return len(todo)


async def zones_for(runtime: Runtime, service_token: str, user_ids: set[str]) -> dict[str, str]:
    """The users' time zones, asked of task-service (which owns users); a failure raises, so
    the delivery is retried rather than worded in the wrong zone."""
    result = await runtime.invoke(
        AppId.TASKS.value,
        "internal/users/zones",
        http_method="POST",
        json=ZonesQuery(user_ids=sorted(user_ids)).model_dump(),
        headers={"authorization": f"Bearer {service_token}"},
    )
    if not result.ok:
        raise RuntimeError(f"task-service answered {result.status_code} for time zones")
    return UserZones.model_validate(result.body).zones


def _body(payload: ReminderTriggered, zone: ZoneInfo) -> str:
    # relative to when it rings ("due today 17:00"): it is read then
    return wording.reminder_note(payload.title, payload.due_at, zone, payload.fired_at)


def list_for_user(
    session: Session,
    user_id: str,
    *,
    undelivered: bool = False,
    unacked: bool = False,
    limit: int = 50,
) -> list[NotificationPublic]:
    stmt = select(Notification).where(Notification.user_id == user_id)
    if undelivered:
        stmt = stmt.where(col(Notification.delivered_at).is_(None))
    if unacked:
        stmt = stmt.where(col(Notification.acked_at).is_(None))
    rows = session.exec(stmt.order_by(col(Notification.created_at).desc()).limit(limit)).all()
    return [NotificationPublic.model_validate(r, from_attributes=True) for r in rows]


def _own(session: Session, user_id: str, notification_id: str) -> Notification:
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user_id:
        raise NotFound(f"no notification {notification_id!r}")
    return note


def mark(
    session: Session, user_id: str, notification_id: str, *, what: str, at: datetime | None = None
) -> NotificationPublic:
    note = _own(session, user_id, notification_id)
    when = at or utcnow()
    if what == "delivered" and note.delivered_at is None:
        note.delivered_at = when
    if what == "acked" and note.acked_at is None:
        note.acked_at = when
    session.add(note)
    session.commit()
    return NotificationPublic.model_validate(note, from_attributes=True)


def forget_user(session: Session, user_id: str, before: datetime) -> int:
    """A deleted account's notifications (those stored up to its deletion: a new account of
    the same name keeps its own). Idempotent, so a redelivery needs no claim."""
    gone = session.execute(
        delete(Notification).where(
            col(Notification.user_id) == user_id, col(Notification.created_at) <= before
        )
    ).rowcount  # type: ignore[attr-defined]
    session.commit()
    return int(gone)
