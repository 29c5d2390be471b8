"""Who is signing in: a password checked by the task service, or a username set by a trusted
auth proxy in a configured header (only when `TODO_HEADER_AUTH_NAME` is set).

Both go through the task service by service invocation (never its database), so they work the
same embedded and behind daprd, and a disabled account is refused in both.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import chainlit as cl

from backend_services.contracts import AppId
from backend_services.platform.ids import USERNAME_PATTERN
from chat_ui.context import current

log = logging.getLogger("todo.chat.auth")

_USERNAME = re.compile(USERNAME_PATTERN)
PROBE_TOKEN_TTL = 30


def _chainlit_user(user: Mapping[str, Any]) -> cl.User:
    return cl.User(
        identifier=str(user["id"]),
        display_name=str(user["display_name"]),
        metadata={"role": user["role"], "timezone": user["timezone"]},
    )


async def password_user(username: str, password: str) -> cl.User | None:
    result = await current().app.runtime.invoke(
        AppId.TASKS.value,
        "auth/login",
        http_method="POST",
        json={"username": username[:64], "password": password[:500]},
    )
    if not result.ok:
        return None
    return _chainlit_user(result.body["user"])


async def header_user(headers: Mapping[str, str]) -> cl.User | None:
    """The account named by the proxy's header. The proxy is trusted to have authenticated the
    person; we still refuse unknown and disabled accounts by asking the task service's `/me`
    with a token minted for that name for a few seconds (it checks existence and `disabled`)."""
    ctx = current()
    header = ctx.app.settings.header_auth_name
    if not header:
        return None
    name = (headers.get(header.lower()) or headers.get(header) or "").strip().lower()
    if not _USERNAME.match(name):
        return None
    token = ctx.app.tokens().issue(name, "user", PROBE_TOKEN_TTL)
    result = await ctx.app.runtime.invoke(
        AppId.TASKS.value, "me", headers={"authorization": f"Bearer {token}"}
    )
    if not result.ok:
        log.info("header login refused for an unknown or disabled account")
        return None
    return _chainlit_user(result.body)
