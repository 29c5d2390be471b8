"""Personal access tokens: long-lived bearer tokens for scripts, shown once, stored hashed.

A token is `todo_pat_` + 256 random bits; only its SHA-256 is kept (a high-entropy secret needs
no slow hash). Revoking is immediate: every request looks the hash up.

Scopes: `tasks` (the owner's own tasks, reminders, notifications, profile: the REST API and
MCP) and `admin` (the admin API, for an admin only, and only when asked for: a token is never
an admin's by default). A token cannot create tokens (`token_routes.py`): a leaked one cannot
leave a child that outlives its revocation.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from pydantic import BaseModel, field_validator
from sqlalchemy import Column
from sqlmodel import Field, Session, SQLModel, col, select

from backend_services.platform.auth import SCOPES, Scope
from backend_services.platform.errors import Conflict, Forbidden, NotFound, Unauthorized
from backend_services.platform.inputs import SafeText
from backend_services.platform.timeutil import UTCDateTime, utcnow

PREFIX = "todo_pat_"
MAX_TOKENS_PER_USER = 50


class PersonalToken(SQLModel, table=True):
    __tablename__ = "personal_tokens"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    user_id: str = Field(index=True, max_length=64)
    name: str = Field(max_length=100)
    token_hash: str = Field(unique=True, max_length=64)
    hint: str = Field(max_length=20)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    scopes: str = Field(
        default="tasks", max_length=100, sa_column_kwargs={"server_default": "tasks"}
    )  # space-separated


class TokenCreate(BaseModel):
    name: SafeText = Field(min_length=1, max_length=100, description="what the token is for")
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)
    scopes: list[Scope] = Field(
        default_factory=lambda: ["tasks"],
        min_length=1,
        description="`tasks`: your own data (REST, MCP); `admin`: the admin API (admins only; "
        "never given unless asked for)",
    )

    @field_validator("scopes")
    @classmethod
    def _distinct(cls, value: list[Scope]) -> list[Scope]:
        return [s for s in SCOPES if s in value]


class TokenPublic(BaseModel):
    id: str
    name: str
    hint: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool
    scopes: list[str]


class TokenCreated(TokenPublic):
    token: str = Field(description="the secret; shown only in this response")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def to_public(row: PersonalToken) -> TokenPublic:
    return TokenPublic(
        id=row.id,
        name=row.name,
        hint=row.hint,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked=row.revoked_at is not None,
        scopes=row.scopes.split(),
    )


def create(
    session: Session, user_id: str, body: TokenCreate, *, is_admin: bool = False
) -> TokenCreated:
    """A new token for `user_id`; the `admin` scope only for an admin (`is_admin`)."""
    if "admin" in body.scopes and not is_admin:
        raise Forbidden("the admin scope is for admins only")
    live = session.exec(
        select(PersonalToken.id).where(
            PersonalToken.user_id == user_id, col(PersonalToken.revoked_at).is_(None)
        )
    ).all()
    if len(live) >= MAX_TOKENS_PER_USER:
        raise Conflict(f"at most {MAX_TOKENS_PER_USER} live tokens; revoke some first")
    secret = PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    row = PersonalToken(
        user_id=user_id,
        name=body.name,
        token_hash=digest(secret),
        hint=secret[: len(PREFIX) + 4] + "…",
        expires_at=expires,
        scopes=" ".join(body.scopes),
    )
    session.add(row)
    session.commit()
    return TokenCreated(**to_public(row).model_dump(), token=secret)


def list_for(session: Session, user_id: str) -> list[TokenPublic]:
    rows = session.exec(
        select(PersonalToken)
        .where(PersonalToken.user_id == user_id)
        .order_by(col(PersonalToken.created_at).desc())
    )
    return [to_public(r) for r in rows]


def revoke(session: Session, user_id: str, token_id: str) -> None:
    row = session.get(PersonalToken, token_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"no token {token_id!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
    session.commit()


def revoke_all(session: Session, user_id: str) -> int:
    rows = session.exec(
        select(PersonalToken).where(
            PersonalToken.user_id == user_id, col(PersonalToken.revoked_at).is_(None)
        )
    ).all()
    for row in rows:
        row.revoked_at = utcnow()
        session.add(row)
    session.commit()
    return len(rows)


def owner_of(session: Session, token: str) -> tuple[str, frozenset[str]]:
    """The user id a live token belongs to and its scopes; Unauthorized otherwise."""
    row = session.exec(
        select(PersonalToken).where(PersonalToken.token_hash == digest(token))
    ).first()
    now = utcnow()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("unknown or revoked access token")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthorized("access token expired")
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now  # coarse, so a busy script does not write on every request
        session.add(row)
        session.commit()
    return row.user_id, frozenset(row.scopes.split())
