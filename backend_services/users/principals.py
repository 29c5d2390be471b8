"""The users domain's answer to the platform's `PrincipalResolver`: who a bearer token is.

Users are looked up on every request, so a disabled user is refused at once whatever token
they hold, and the role comes from the database, not from the token's claim.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend_services.platform.auth import Principal, TokenSigner
from backend_services.platform.errors import Unauthorized
from backend_services.users.models import User
from backend_services.users.tokens import PREFIX as PAT_PREFIX
from backend_services.users.tokens import owner_of as pat_owner


def resolve_principal(session: Session, token: str, signer: TokenSigner) -> Principal:
    """A personal access token's owner, a service, or a signed token's live user."""
    if token.startswith(PAT_PREFIX):
        return _active_user(session, pat_owner(session, token))
    claimed = signer.verify(token)
    if claimed.is_service:
        return claimed
    return _active_user(session, claimed.subject, claimed.issued_at)


def _active_user(session: Session, user_id: str, issued_at: datetime | None = None) -> Principal:
    user = session.get(User, user_id)
    if user is None or user.disabled:
        raise Unauthorized("unknown or disabled user")
    if issued_at is not None and issued_at < user.created_at.replace(microsecond=0):
        # minted for an earlier account of the same name (deleted, then created again)
        raise Unauthorized("token predates this account")
    # the identity map holds rows weakly: keep this one for the request's session, so the
    # route's `session.get(User, ...)` costs no query
    session.info["caller"] = user
    return Principal(subject=user.id, role="admin" if user.role == "admin" else "user")
