"""Signed bearer tokens: users (from the chat UI, the CLI or personal access tokens)
and services acting in their own name. The key comes from the secret store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt

from backend_services.platform.errors import Unauthorized
from backend_services.platform.timeutil import utcnow

ISSUER = "todo-assistant"
ALGORITHM = "HS256"

Role = Literal["user", "admin", "service"]


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    issued_at: datetime | None = None  # a signed token's iat (whole seconds)

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

    def issue(self, subject: str, role: Role, ttl_seconds: int) -> str:
        now = utcnow()
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "role": role,
            "iat": now,
            "exp": now + timedelta(seconds=ttl_seconds),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

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
        return Principal(subject=str(claims["sub"]), role=role, issued_at=issued)


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("malformed authorization header", headers={"WWW-Authenticate": "Bearer"})
    return token.strip()
