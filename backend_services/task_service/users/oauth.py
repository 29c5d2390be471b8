"""OAuth 2.1 grants for MCP clients: the product is its own authorization server.

chat-ui serves the protocol (metadata, the sign-in and consent page, `/oauth/token`,
`/oauth/register`); everything that is stored lives here, in the users domain, in the style
of personal access tokens: every secret (code, access token, refresh token) is random and
shown once, and only its SHA-256 is kept.

- A *grant* is one client's access to one user's tasks for one resource (the /mcp URL), with
  its scopes: `tasks:read`, or `tasks:read tasks:write`. Never admin. Revoking a grant ends
  every token it issued at once.
- An authorization code lives 60 s, is bound to the client, the redirect URI, the resource
  and a PKCE S256 challenge, and is good once: presenting it again revokes the grant it made.
- An access token (`todo_oat_`) is short-lived (the user token TTL); a refresh token
  (`todo_ort_`) is replaced on every use, and a rotated one presented again revokes the whole
  grant (someone else holds a copy).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import Column, delete
from sqlmodel import Field as ColumnField
from sqlmodel import Session, SQLModel, col, select

from backend_services.kernel.oauth_tokens import (
    ACCESS_PREFIX,
    CODE_PREFIX,
    MAX_CLIENT_ID,
    MAX_URI,
    REFRESH_PREFIX,
    OAuthError,
    OAuthGrant,
    OAuthToken,
    digest,
    normalize_scopes,
)

# what the routes and tests read through this module (the authorization flows' home)
from backend_services.kernel.oauth_tokens import AccessInfo as AccessInfo
from backend_services.kernel.oauth_tokens import access_info as access_info
from backend_services.platform.errors import NotFound
from backend_services.platform.timeutil import UTCDateTime, utcnow

CODE_TTL = timedelta(seconds=60)
REFRESH_TTL = timedelta(days=30)
MAX_REDIRECT_URIS = 10
MAX_GRANTS_PER_USER = 50
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")


class OAuthClient(SQLModel, table=True):
    """A client registered dynamically (RFC 7591). Clients named by a metadata document URL
    (Client ID Metadata Documents) are not stored: chat-ui fetches the document."""

    __tablename__ = "oauth_clients"
    id: str = ColumnField(primary_key=True, max_length=64)
    name: str = ColumnField(max_length=100)
    redirect_uris: str = ColumnField(max_length=4 * MAX_URI)  # JSON list
    created_at: datetime = ColumnField(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )

    def uris(self) -> list[str]:
        loaded = json.loads(self.redirect_uris)
        return [str(u) for u in loaded] if isinstance(loaded, list) else []


class OAuthCode(SQLModel, table=True):
    __tablename__ = "oauth_codes"
    code_hash: str = ColumnField(primary_key=True, max_length=64)
    client_id: str = ColumnField(max_length=MAX_CLIENT_ID)
    client_name: str = ColumnField(max_length=100)
    user_id: str = ColumnField(max_length=64)
    redirect_uri: str = ColumnField(max_length=MAX_URI)
    code_challenge: str = ColumnField(max_length=64)
    scopes: str = ColumnField(max_length=100)
    resource: str = ColumnField(max_length=MAX_URI)
    expires_at: datetime = ColumnField(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = ColumnField(default=None, sa_column=Column(UTCDateTime))
    grant_id: str | None = ColumnField(default=None, max_length=36)


class GrantPublic(BaseModel):
    id: str
    client_id: str
    client_name: str
    scopes: list[str]
    resource: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class TokenAnswer(BaseModel):
    """The token endpoint's answer (RFC 6749 §5.1)."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str
    scope: str


@dataclass(frozen=True)
class CodeRequest:
    """What the consent page approved, checked by chat-ui before it gets here."""

    client_id: str
    client_name: str
    redirect_uri: str
    code_challenge: str
    scopes: list[str]
    resource: str


class ClientRegistration(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    redirect_uris: list[str] = Field(min_length=1, max_length=MAX_REDIRECT_URIS)


def pkce_matches(verifier: str, challenge: str) -> bool:
    if not _VERIFIER.fullmatch(verifier or ""):
        return False
    computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return hmac.compare_digest(computed.decode(), challenge)


def valid_challenge(challenge: str | None) -> bool:
    return bool(challenge) and _CHALLENGE.fullmatch(challenge or "") is not None


# clients ----------------------------------------------------------------------------------
def register_client(session: Session, body: ClientRegistration) -> OAuthClient:
    row = OAuthClient(
        id="todo_client_" + secrets.token_urlsafe(18),
        name=body.name,
        redirect_uris=json.dumps(body.redirect_uris),
    )
    session.add(row)
    session.commit()
    return row


def get_client(session: Session, client_id: str) -> OAuthClient | None:
    return session.get(OAuthClient, client_id) if len(client_id) <= 64 else None


# codes ------------------------------------------------------------------------------------
def issue_code(session: Session, user_id: str, request: CodeRequest) -> str:
    live = session.exec(
        select(OAuthGrant.id).where(
            OAuthGrant.user_id == user_id, col(OAuthGrant.revoked_at).is_(None)
        )
    ).all()
    if len(live) >= MAX_GRANTS_PER_USER:
        raise OAuthError(
            "access_denied", f"at most {MAX_GRANTS_PER_USER} connected apps; revoke some first"
        )
    code = CODE_PREFIX + secrets.token_urlsafe(32)
    session.add(
        OAuthCode(
            code_hash=digest(code),
            client_id=request.client_id,
            client_name=request.client_name,
            user_id=user_id,
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            scopes=" ".join(request.scopes),
            resource=request.resource,
            expires_at=utcnow() + CODE_TTL,
        )
    )
    # expired codes go as new ones come (a table that only grows would be a slow leak)
    session.execute(delete(OAuthCode).where(col(OAuthCode.expires_at) < utcnow() - CODE_TTL))
    session.commit()
    return code


def exchange_code(
    session: Session,
    *,
    client_id: str,
    code: str,
    verifier: str,
    redirect_uri: str,
    resource: str | None,
    access_ttl: timedelta,
) -> TokenAnswer:
    row = session.get(OAuthCode, digest(code)) if code else None
    now = utcnow()
    if row is None or row.client_id != client_id:
        raise OAuthError("invalid_grant", "unknown authorization code")
    if row.used_at is not None:
        # a code presented twice: whoever has it too may hold the tokens; end them all
        if row.grant_id:
            _revoke_grant(session, row.grant_id)
        session.commit()
        raise OAuthError("invalid_grant", "authorization code already used")
    row.used_at = now
    session.add(row)
    session.commit()  # the code is spent whatever follows
    if row.expires_at <= now:
        raise OAuthError("invalid_grant", "authorization code expired")
    if row.redirect_uri != redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request")
    if resource is not None and resource != row.resource:
        raise OAuthError("invalid_target", "resource differs from the authorization request")
    if not pkce_matches(verifier, row.code_challenge):
        raise OAuthError("invalid_grant", "PKCE code_verifier does not match the challenge")
    grant = OAuthGrant(
        user_id=row.user_id,
        client_id=row.client_id,
        client_name=row.client_name,
        scopes=row.scopes,
        resource=row.resource,
    )
    row.grant_id = grant.id
    session.add(grant)
    session.add(row)
    answer = _issue_pair(session, grant, access_ttl)
    session.commit()
    return answer


def refresh(
    session: Session,
    *,
    client_id: str,
    refresh_token: str,
    resource: str | None,
    scope: str | None,
    access_ttl: timedelta,
) -> TokenAnswer:
    row = session.get(OAuthToken, digest(refresh_token)) if refresh_token else None
    now = utcnow()
    grant = session.get(OAuthGrant, row.grant_id) if row is not None else None
    if row is None or row.kind != "refresh" or grant is None or grant.client_id != client_id:
        raise OAuthError("invalid_grant", "unknown refresh token")
    if row.rotated_at is not None:
        _revoke_grant(session, grant.id)  # a rotated token again: the family is compromised
        session.commit()
        raise OAuthError("invalid_grant", "refresh token already used; the grant is revoked")
    if grant.revoked_at is not None or row.expires_at <= now:
        raise OAuthError("invalid_grant", "refresh token revoked or expired")
    if resource is not None and resource != grant.resource:
        raise OAuthError("invalid_target", "resource differs from the grant's")
    if scope and not set(normalize_scopes(scope)) <= set(grant.scopes.split()):
        raise OAuthError("invalid_scope", "a refresh cannot widen the grant's scopes")
    row.rotated_at = now
    session.add(row)
    answer = _issue_pair(session, grant, access_ttl)
    session.commit()
    return answer


def _issue_pair(session: Session, grant: OAuthGrant, access_ttl: timedelta) -> TokenAnswer:
    access = ACCESS_PREFIX + secrets.token_urlsafe(32)
    renewal = REFRESH_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    # this grant's expired tokens go as new ones come (rotated refresh tokens stay until
    # they expire: presenting one again must still be recognised as reuse)
    session.execute(
        delete(OAuthToken).where(
            col(OAuthToken.grant_id) == grant.id, col(OAuthToken.expires_at) < now
        )
    )
    session.add(
        OAuthToken(
            token_hash=digest(access), grant_id=grant.id, kind="access", expires_at=now + access_ttl
        )
    )
    session.add(
        OAuthToken(
            token_hash=digest(renewal),
            grant_id=grant.id,
            kind="refresh",
            expires_at=now + REFRESH_TTL,
        )
    )
    return TokenAnswer(
        access_token=access,
        expires_in=int(access_ttl.total_seconds()),
        refresh_token=renewal,
        scope=grant.scopes,
    )


# access -----------------------------------------------------------------------------------


# the account's view -----------------------------------------------------------------------
def to_public(row: OAuthGrant) -> GrantPublic:
    return GrantPublic(
        id=row.id,
        client_id=row.client_id,
        client_name=row.client_name,
        scopes=row.scopes.split(),
        resource=row.resource,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked=row.revoked_at is not None,
    )


def list_grants(session: Session, user_id: str) -> list[GrantPublic]:
    rows = session.exec(
        select(OAuthGrant)
        .where(OAuthGrant.user_id == user_id)
        .order_by(col(OAuthGrant.created_at).desc())
    )
    return [to_public(r) for r in rows]


def revoke_grant(session: Session, user_id: str, grant_id: str) -> None:
    row = session.get(OAuthGrant, grant_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"no connected app {grant_id!r}")
    _revoke_grant(session, row.id)
    session.commit()


def _revoke_grant(session: Session, grant_id: str) -> None:
    row = session.get(OAuthGrant, grant_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
    session.execute(delete(OAuthToken).where(col(OAuthToken.grant_id) == grant_id))


def delete_for_user(session: Session, user_id: str) -> int:
    """An account's grants and their tokens, gone with it (no commit: the caller's
    transaction)."""
    ids = session.exec(select(OAuthGrant.id).where(OAuthGrant.user_id == user_id)).all()
    if ids:
        session.execute(delete(OAuthToken).where(col(OAuthToken.grant_id).in_(ids)))
        session.execute(delete(OAuthGrant).where(col(OAuthGrant.user_id) == user_id))
    session.execute(delete(OAuthCode).where(col(OAuthCode.user_id) == user_id))
    return len(ids)
