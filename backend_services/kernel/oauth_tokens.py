"""The OAuth access-token format the services share (issue 24): what a `todo_oat_` bearer
is, the grant it belongs to, and its scopes. The kernel holds it, like `tokens.py` for
personal access tokens, so the principal resolver and the MCP server read it without
importing task-service; the authorization flows (clients, codes, refresh rotation) live in
`task_service/users/oauth.py`. Only SHA-256 digests of the secrets are stored."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import Column
from sqlmodel import Field as ColumnField
from sqlmodel import Session, SQLModel

from backend_services.platform.errors import Unauthorized
from backend_services.platform.timeutil import UTCDateTime, utcnow

ACCESS_PREFIX = "todo_oat_"


REFRESH_PREFIX = "todo_ort_"


CODE_PREFIX = "todo_oac_"


MAX_URI = 2000
MAX_CLIENT_ID = 512
SCOPE_READ = "tasks:read"


SCOPE_WRITE = "tasks:write"


OAUTH_SCOPES = (SCOPE_READ, SCOPE_WRITE)


class OAuthGrant(SQLModel, table=True):
    __tablename__ = "oauth_grants"
    id: str = ColumnField(
        default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36
    )
    user_id: str = ColumnField(index=True, max_length=64)
    client_id: str = ColumnField(max_length=MAX_CLIENT_ID)
    client_name: str = ColumnField(max_length=100)
    scopes: str = ColumnField(max_length=100)
    resource: str = ColumnField(max_length=MAX_URI)
    created_at: datetime = ColumnField(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    last_used_at: datetime | None = ColumnField(default=None, sa_column=Column(UTCDateTime))
    revoked_at: datetime | None = ColumnField(default=None, sa_column=Column(UTCDateTime))


class OAuthToken(SQLModel, table=True):
    __tablename__ = "oauth_tokens"
    token_hash: str = ColumnField(primary_key=True, max_length=64)
    grant_id: str = ColumnField(index=True, max_length=36)
    kind: str = ColumnField(max_length=8)  # "access" | "refresh"
    expires_at: datetime = ColumnField(sa_column=Column(UTCDateTime, nullable=False))
    rotated_at: datetime | None = ColumnField(default=None, sa_column=Column(UTCDateTime))


class AccessInfo(BaseModel):
    user_id: str
    scopes: list[str]
    resource: str
    grant_id: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def access_info(session: Session, token: str) -> AccessInfo:
    """Whose live access token this is, its scopes and resource; Unauthorized otherwise."""
    row = session.get(OAuthToken, digest(token))
    now = utcnow()
    grant = session.get(OAuthGrant, row.grant_id) if row is not None else None
    if row is None or row.kind != "access" or grant is None or grant.revoked_at is not None:
        raise Unauthorized("unknown or revoked access token")
    if row.expires_at <= now:
        raise Unauthorized("access token expired")
    if grant.last_used_at is None or now - grant.last_used_at > timedelta(minutes=1):
        grant.last_used_at = now
        session.add(grant)
        session.commit()
    return AccessInfo(
        user_id=grant.user_id,
        scopes=grant.scopes.split(),
        resource=grant.resource,
        grant_id=grant.id,
    )


class OAuthError(Exception):
    """An RFC 6749 error answer (`error`, `error_description`), status 400 unless said."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def normalize_scopes(requested: str | None) -> list[str]:
    """The scopes asked for, in canonical order; `tasks:write` brings `tasks:read`; nothing
    asked: both. OAuthError for any other scope (admin is never granted)."""
    words = (requested or "").split()
    if not words:
        return list(OAUTH_SCOPES)
    unknown = [w for w in words if w not in OAUTH_SCOPES]
    if unknown:
        raise OAuthError(
            "invalid_scope", f"unknown scope {unknown[0]!r}; use tasks:read, tasks:write"
        )
    wanted = set(words)
    if SCOPE_WRITE in wanted:
        wanted.add(SCOPE_READ)
    return [s for s in OAUTH_SCOPES if s in wanted]
