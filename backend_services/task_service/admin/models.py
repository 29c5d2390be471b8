"""The admin-action log: one row per admin API call, written by task-service.

User changes write their row in the same transaction as the change; calls proxied to another
service (dead-letter replay/discard) write it after the call, with the outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel

from backend_services.platform.auth import Principal
from backend_services.platform.timeutil import UTCDateTime, utcnow


class AdminAction(SQLModel, table=True):
    __tablename__ = "admin_actions"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True)
    )
    admin_id: str = Field(index=True, max_length=64)
    action: str = Field(index=True, max_length=64)
    target: str | None = Field(default=None, max_length=200)
    outcome: str = Field(default="ok", max_length=32)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AdminActionPublic(BaseModel):
    id: int
    at: datetime
    admin_id: str
    action: str
    target: str | None
    outcome: str
    detail: dict[str, Any]


def record(
    session: Session,
    admin: Principal,
    action: str,
    target: str | None = None,
    *,
    outcome: str = "ok",
    **detail: Any,
) -> None:
    """Log one admin action, in its own transaction: the action itself was committed by the
    service that did it. Never pass secrets in detail."""
    clean = {k: v for k, v in detail.items() if v is not None}
    session.add(
        AdminAction(
            admin_id=admin.subject, action=action, target=target, outcome=outcome, detail=clean
        )
    )
    session.commit()
