"""The users domain's answer to the platform's `PrincipalResolver`: who a bearer token is.

Users are looked up on every request, so a disabled user is refused at once whatever token
they hold, and the role comes from the database, not from the token's claim. A signed token
bound to an account (`acct`, `ver`: every token /auth/login and the chat mint) is refused
once the account is another one (deleted and created again, even within the same second) or
its sessions were revoked (password reset, disabled). A personal access token's principal
carries its scopes: an admin's token is an admin only with the `admin` scope. An OAuth
access token (an MCP client's, `users/oauth.py`) is a user's, with `tasks:read` and maybe
`tasks:write`: one without `tasks:write` may only read.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend_services.kernel import oauth_tokens as oauth
from backend_services.kernel.accounts import User, account_stamp
from backend_services.kernel.tokens import PREFIX as PAT_PREFIX
from backend_services.kernel.tokens import owner_of as pat_owner
from backend_services.platform.auth import AccountStamp, Principal, TokenSigner
from backend_services.platform.errors import Unauthorized


def resolve_principal(session: Session, token: str, signer: TokenSigner) -> Principal:
    """A personal access token's owner, a service, or a signed token's live user."""
    if token.startswith(PAT_PREFIX):
        owner, scopes = pat_owner(session, token)
        user = _active_user(session, owner)
        admin = user.role == "admin" and "admin" in scopes
        return Principal(subject=user.id, role="admin" if admin else "user", scopes=scopes)
    if token.startswith(oauth.ACCESS_PREFIX):
        info = oauth.access_info(session, token)
        user = _active_user(session, info.user_id)
        # an OAuth access token is never an admin's, whatever the account's role
        return Principal(subject=user.id, role="user", scopes=frozenset(["tasks", *info.scopes]))
    claimed = signer.verify(token)
    if claimed.is_service:
        return claimed
    user = _active_user(session, claimed.subject, claimed.issued_at, claimed.account)
    return Principal(
        subject=user.id, role="admin" if user.role == "admin" else "user", account=claimed.account
    )


def _active_user(
    session: Session,
    user_id: str,
    issued_at: datetime | None = None,
    account: AccountStamp | None = None,
) -> User:
    user = session.get(User, user_id)
    if user is None or user.disabled:
        raise Unauthorized("unknown or disabled user")
    if account is not None and account != account_stamp(user):
        raise Unauthorized("session ended (the account was reset, disabled or re-created)")
    if issued_at is not None and issued_at < user.created_at.replace(microsecond=0):
        # minted for an earlier account of the same name (deleted, then created again)
        raise Unauthorized("token predates this account")
    # the identity map holds rows weakly: keep this one for the request's session, so the
    # route's `session.get(User, ...)` costs no query
    session.info["caller"] = user
    return user
