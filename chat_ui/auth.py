"""Who is signing in: a password checked by the task service, or a username set by a trusted
auth proxy in a configured header (only when `TODO_HEADER_AUTH_NAME` is set).

Both go through the task service by service invocation (never its database), so they work the
same embedded and behind daprd, and a disabled account is refused in both.

A chat session is bound to the account it signed in: Chainlit's session cookie (a JWT in
Chainlit's own secret) carries the account's stamp (`acct`: creation time, `ver`: revocation
version) in the user's metadata. Every socket connect and every chat turn checks it with the
task service, and every token minted for the session carries it, so a password reset,
disabling or deleting the account (even re-creating the name) ends the session at once, not
when the cookie expires 15 days later.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import chainlit as cl

from backend_services.contracts import AppId
from backend_services.platform.auth import AccountStamp, stamp_of
from backend_services.platform.errors import Unauthorized
from backend_services.platform.ids import USERNAME_PATTERN
from chat_ui.context import current
from chat_ui.login_guard import refuse_sign_in

log = logging.getLogger("todo.chat.auth")

_USERNAME = re.compile(USERNAME_PATTERN)
ENDED = "Your session has ended (password changed, account disabled or removed): sign in again."


def _chainlit_user(user: Mapping[str, Any], stamp: AccountStamp) -> cl.User:
    return cl.User(
        identifier=str(user["id"]),
        display_name=str(user["display_name"]),
        metadata={
            "role": user["role"],
            "timezone": user["timezone"],
            "acct": stamp.created_us,
            "ver": stamp.version,
        },
    )


async def password_user(username: str, password: str) -> cl.User | None:
    """The account, when the password is right; None when wrong. The task service's 429 or
    503 (with Retry-After) becomes `/login`'s answer (`login_guard.refuse_sign_in`)."""
    ctx = current()
    result = await ctx.app.runtime.invoke(
        AppId.TASKS.value,
        "auth/login",
        http_method="POST",
        json={"username": username[:64], "password": password[:500]},
        # as the chat UI: the task service then leaves the per-address limit to us (the
        # browser's address is throttled by `login_guard`), not to the chat UI's address
        headers={"authorization": f"Bearer {ctx.app.service_token()}"},
    )
    if result.status_code in (429, 503):
        retry = {k.lower(): v for k, v in (result.headers or {}).items()}.get("retry-after", "5")
        detail = result.body.get("detail") if isinstance(result.body, dict) else None
        refuse_sign_in(result.status_code, str(detail or "try again later"), retry)
        return None
    if not result.ok:
        return None
    claims = ctx.app.tokens().verify(result.body["token"])
    if claims.account is None:
        return None
    return _chainlit_user(result.body["user"], claims.account)


async def header_user(headers: Mapping[str, str]) -> cl.User | None:
    """The account named by the proxy's header. The proxy is trusted to have authenticated the
    person; we still refuse unknown and disabled accounts: the task service answers with the
    live account and its stamp (a service-only route)."""
    ctx = current()
    header = ctx.app.settings.header_auth_name
    if not header:
        return None
    name = (headers.get(header.lower()) or headers.get(header) or "").strip().lower()
    if not _USERNAME.match(name):
        return None
    result = await ctx.app.runtime.invoke(
        AppId.TASKS.value,
        "internal/users/session",
        http_method="POST",
        json={"username": name},
        headers={"authorization": f"Bearer {ctx.app.service_token()}"},
    )
    if not result.ok:
        log.info("header login refused for an unknown or disabled account")
        return None
    return _chainlit_user(
        result.body["user"], AccountStamp(result.body["acct"], result.body["ver"])
    )


def stamp_in(metadata: Mapping[str, Any] | None) -> AccountStamp | None:
    """The account stamp a chat session's user metadata carries (None: none, or malformed)."""
    try:
        return stamp_of(dict(metadata or {}))
    except Unauthorized:
        return None


def session_stamp(session: Any) -> AccountStamp | None:
    """The stamp in a Chainlit session's own cookie token (never the data layer's copy of
    the user, which every sign-in of the account overwrites)."""
    from chainlit.auth import decode_jwt

    token = getattr(session, "token", None)
    if not token:
        return None
    try:
        return stamp_in(decode_jwt(token).metadata)
    except Exception:  # an unreadable token binds to nothing
        return None


async def is_live(user_id: str, role: str, stamp: AccountStamp | None) -> bool:
    """Whether a session of `user_id` bound to `stamp` may still act: the task service
    accepts a token carrying it (the same account, no reset or disable since)."""
    if stamp is None:
        return False  # a cookie from before sessions were bound: sign in again
    ctx = current()
    result = await ctx.app.runtime.invoke(
        AppId.TASKS.value,
        "me",
        headers={"authorization": f"Bearer {ctx.user_token(user_id, role, stamp)}"},
    )
    return bool(result.ok)


async def cookie_is_live(environ: Mapping[str, Any]) -> bool | None:
    """On a socket connect: is the session cookie's binding still live? None when there is
    no readable cookie (Chainlit refuses that connection itself)."""
    from chainlit.auth import decode_jwt, get_token_from_cookies
    from starlette.requests import cookie_parser

    header = environ.get("HTTP_COOKIE")
    token = get_token_from_cookies(cookie_parser(header)) if header else None
    if not token:
        return None
    try:
        user = decode_jwt(token)
    except Exception:
        return None
    role = str(user.metadata.get("role", "user"))
    return await is_live(user.identifier, role, stamp_in(user.metadata))


def guard_socket_connect() -> None:
    """Check the account binding on every socket connect, before Chainlit's own handler
    (which checks only the cookie's signature and expiry)."""
    from chainlit.server import sio

    namespace = sio.handlers["/"]
    chainlit_connect = namespace["connect"]
    if getattr(chainlit_connect, "checks_binding", False):
        return

    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> Any:
        if await cookie_is_live(environ) is False:
            log.info("socket refused: the session's account binding has ended")
            raise ConnectionRefusedError("session ended: sign in again")
        return await chainlit_connect(sid, environ, auth)

    connect.checks_binding = True  # type: ignore[attr-defined]
    namespace["connect"] = connect
