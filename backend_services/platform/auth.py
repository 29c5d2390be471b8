"""Signed bearer tokens: users (from the chat UI, the CLI or personal access tokens)
and services acting in their own name. The key comes from the secret store."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt

from backend_services.platform.errors import Unauthorized
from backend_services.platform.timeutil import utcnow

ISSUER = "todo-assistant"
ALGORITHM = "HS256"

Role = Literal["user", "admin", "service"]
Scope = Literal["tasks", "admin"]
SCOPES: tuple[Scope, ...] = ("tasks", "admin")


@dataclass(frozen=True)
class AccountStamp:
    """Which account, at which revocation version, a token or a chat session was issued
    for: the account's creation time (microseconds since the epoch: an account deleted and
    created again under the same name, even within the same second, is another account)
    and its `auth_version` (raised by a password reset, disabling, enabling)."""

    created_us: int
    version: int


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    issued_at: datetime | None = None  # a signed token's iat (whole seconds)
    account: AccountStamp | None = None  # a signed user token's binding (claims acct, ver)
    # a personal access token's scopes; None for a signed token (a session: every scope)
    scopes: frozenset[str] | None = None

    @property
    def via_pat(self) -> bool:
        return self.scopes is not None

    @property
    def read_only(self) -> bool:
        """An OAuth access token granted `tasks:read` without `tasks:write`."""
        return (
            self.scopes is not None
            and "tasks:read" in self.scopes
            and ("tasks:write" not in self.scopes)
        )

    def allows(self, scope: Scope) -> bool:
        return self.scopes is None or scope in self.scopes

    @property
    def is_service(self) -> bool:
        return self.role == "service"

    @property
    def user_id(self) -> str:
        if self.is_service:
            raise Unauthorized("a service identity has no user")
        return self.subject


class TokenSigner:
    def __init__(self, key: str) -> None:
        if len(key) < 32:
            raise ValueError("signing key too short")
        self._key = key

    def issue(
        self, subject: str, role: Role, ttl_seconds: int, account: AccountStamp | None = None
    ) -> str:
        """`account`: the binding a user token carries (refused once the account's stamp
        differs: re-created, password reset, disabled)."""
        now = utcnow()
        claims: dict[str, object] = {
            "iss": ISSUER,
            "sub": subject,
            "role": role,
            "iat": now,
            "exp": now + timedelta(seconds=ttl_seconds),
        }
        if account is not None:
            claims["acct"] = account.created_us
            claims["ver"] = account.version
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def derive(self, purpose: str, data: str) -> bytes:
        """HMAC-SHA256 of `data` under the signing key, separated by `purpose`: a secret the
        service can compute again and nobody without the key can (the calendar feed's URL)."""
        message = purpose.encode() + b"\0" + data.encode()
        return hmac.new(self._key.encode(), message, hashlib.sha256).digest()

    def issue_service(self, app_id: str, ttl_seconds: int = 300) -> str:
        return self.issue(f"service:{app_id}", "service", ttl_seconds)

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("invalid token") from exc
        role = claims.get("role")
        if role not in ("user", "admin", "service"):
            raise Unauthorized("invalid token")
        iat = claims.get("iat")
        issued = datetime.fromtimestamp(iat, UTC) if isinstance(iat, int | float) else None
        return Principal(
            subject=str(claims["sub"]), role=role, issued_at=issued, account=stamp_of(claims)
        )


def stamp_of(claims: dict[str, object]) -> AccountStamp | None:
    """The account binding in a token's (or a chat session's) claims, if it has one."""
    created, version = claims.get("acct"), claims.get("ver")
    if isinstance(created, int) and isinstance(version, int):
        return AccountStamp(created, version)
    if created is not None or version is not None:
        raise Unauthorized("invalid token")
    return None


def is_token_text(value: str) -> bool:
    """Printable ASCII only: what every token we issue is made of (an HTTP header may carry
    other bytes, which Starlette reads as Latin-1)."""
    return value.isascii() and value.isprintable()


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or not is_token_text(authorization):
        raise Unauthorized("malformed authorization header", headers={"WWW-Authenticate": "Bearer"})
    return token.strip()
