"""Audit: every event recorded once with a digest of its payload; dead letters kept."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from backend_services.audit_service.models import AuditRecord, DeadLetter
from backend_services.contracts import BROADCAST_PUBSUB, PUBSUB, CloudEvent, Topic
from backend_services.kernel.service_schemas import AuditPublic, DeadLetterPublic, EventRates
from backend_services.platform.errors import Conflict, NotFound
from backend_services.platform.inputs import check_text, json_safe
from backend_services.platform.runtime import Runtime
from backend_services.platform.timeutil import utcnow

MAX_EVENT_ID = 200  # the column


def digest(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record_many(session: Session, topic: str, events: list[tuple[CloudEvent, str | None]]) -> int:
    """Each event (with its user) recorded once: one multi-row INSERT … ON CONFLICT DO
    NOTHING per delivery, so a redelivered or repeated event id is skipped, not an error."""
    if not events:
        return 0
    now = utcnow()
    rows = {
        event.id: {
            "event_id": event.id,
            "topic": topic,
            "type": event.type,
            "user_id": user_id,
            "time": event.time or now,
            "source": event.source,
            "digest": digest(event.data),
            "recorded_at": now,
        }
        for event, user_id in events
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(AuditRecord)
        .values(list(rows.values()))
        .on_conflict_do_nothing(index_elements=["event_id"])
    )
    recorded = int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]
    session.commit()
    return recorded


def query(
    session: Session,
    *,
    user_id: str | None = None,
    type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditPublic]:
    stmt = select(AuditRecord)
    if user_id:
        stmt = stmt.where(AuditRecord.user_id == user_id)
    if type:
        stmt = stmt.where(AuditRecord.type == type)
    if since:
        stmt = stmt.where(col(AuditRecord.time) >= since)
    if until:
        stmt = stmt.where(col(AuditRecord.time) < until)
    rows = session.exec(stmt.order_by(col(AuditRecord.seq).desc()).offset(offset).limit(limit))
    return [AuditPublic.model_validate(r, from_attributes=True) for r in rows]


def keep_dead_letter(session: Session, topic: str, body: dict[str, Any]) -> None:
    """Store whatever arrived. A dead letter is often exactly the event nothing else could
    encode: unpaired surrogates become U+FFFD and NaN/Infinity strings, so that it can be
    stored (PostgreSQL and JSON refuse both) and listed; an unusable id is left out."""
    body = json_safe(body)
    event_id = _usable_id(body.get("id"))
    if (
        event_id
        and session.exec(
            select(DeadLetter.id).where(DeadLetter.event_id == event_id, DeadLetter.topic == topic)
        ).first()
    ):
        return
    session.add(
        DeadLetter(
            event_id=event_id, topic=topic, original_topic=topic.removesuffix("-dlq"), event=body
        )
    )
    session.commit()


def _usable_id(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > MAX_EVENT_ID:
        return None
    try:
        return check_text(value)
    except ValueError:
        return None


def dead_letters(session: Session, status: str | None = "pending") -> list[DeadLetterPublic]:
    stmt = select(DeadLetter).order_by(col(DeadLetter.id))
    if status:
        stmt = stmt.where(DeadLetter.status == status)
    return [
        DeadLetterPublic.model_validate(r, from_attributes=True)
        for r in session.exec(stmt.limit(500))
    ]


def _take(session: Session, letter_id: int, new_status: str) -> DeadLetter:
    letter = session.get(DeadLetter, letter_id)
    if letter is None:
        raise NotFound(f"no dead letter {letter_id}")
    if letter.status != "pending":
        raise Conflict(f"dead letter {letter_id} is already {letter.status}")
    letter.status = new_status
    session.add(letter)
    return letter


def discard_dead_letter(session: Session, letter_id: int) -> DeadLetterPublic:
    letter = _take(session, letter_id, "discarded")
    session.commit()
    return DeadLetterPublic.model_validate(letter, from_attributes=True)


async def replay_dead_letter(
    session: Session, runtime: Runtime, letter_id: int
) -> DeadLetterPublic:
    """Republish the letter on its original topic; marked replayed only once published (a
    failed publish rolls the mark back, the letter stays pending)."""
    letter = _take(session, letter_id, "replayed")
    event = CloudEvent.model_validate(letter.event)
    topic = letter.original_topic
    pubsub = BROADCAST_PUBSUB if topic == Topic.TASK_UPDATES.value else PUBSUB
    await runtime.publish(pubsub, topic, event, partition_key=event.subject)
    session.commit()
    return DeadLetterPublic.model_validate(letter, from_attributes=True)


def event_rates(session: Session, now: datetime) -> EventRates:
    """Events recorded in the last minute and per minute over the last 15 (admin stats)."""

    def since(minutes: int) -> int:
        stmt = select(func.count()).where(col(AuditRecord.time) >= now - timedelta(minutes=minutes))
        return int(session.exec(stmt).one())

    return EventRates(last_minute=since(1), per_minute_last_15=round(since(15) / 15, 2))
