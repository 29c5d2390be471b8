"""What the browser tells the chat (public/todo.js): its time zone and whether its screen is
narrow, as cookies read when a chat session starts, and the header's Tasks button, as a
window message.

The time zone: an account still on the default UTC takes the browser's zone at the start of a
chat session, before its first message, so "tomorrow at 5pm" is read in the person's zone.
A zone other than UTC is never overwritten from a browser (change it in the chat or with
PATCH /me). When the zone changes, pending tasks stated in the old zone keep their wall-clock
times (`backend_services.task_service.tasks.service.keep_wall_times`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import unquote

from backend_services.contracts import AppId
from backend_services.kernel.accounts import validate_timezone
from chat_ui.context import current

log = logging.getLogger("todo.chat.browser")

ZONE_COOKIE = "todo_browser_tz"
NARROW_COOKIE = "todo_narrow"
DEFAULT_ZONE = "UTC"
PANEL_MESSAGE = "todo-panel"  # {"kind": "todo-panel", "open": bool} from the Tasks button


def cookies(environ: Mapping[str, Any]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(str(environ.get("HTTP_COOKIE") or ""))
    except CookieError:
        return {}
    return {name: unquote(morsel.value) for name, morsel in jar.items()}


def browser_zone(environ: Mapping[str, Any]) -> str | None:
    """The browser's IANA zone from its cookie, or None when missing or not a zone."""
    value = cookies(environ).get(ZONE_COOKIE)
    if not value:
        return None
    try:
        return validate_timezone(value)
    except ValueError:
        return None


def is_narrow(environ: Mapping[str, Any]) -> bool:
    return cookies(environ).get(NARROW_COOKIE) == "1"


async def adopt_browser_zone(token: str, environ: Mapping[str, Any]) -> str | None:
    """The account's zone after this visit (None if it could not be read): the browser's
    when the account is still on UTC."""
    runtime, auth = current().app.runtime, {"authorization": f"Bearer {token}"}
    me = await runtime.invoke(AppId.TASKS.value, "me", headers=auth)
    if not me.ok:
        return None
    account_zone = str(me.body["timezone"])
    zone = browser_zone(environ)
    if account_zone != DEFAULT_ZONE or zone is None or zone == DEFAULT_ZONE:
        return account_zone
    result = await runtime.invoke(
        AppId.TASKS.value, "me", http_method="PATCH", json={"timezone": zone}, headers=auth
    )
    if not result.ok:
        log.warning("browser time zone not stored: %s", result.status_code)
        return account_zone
    return str(result.body["timezone"])


def panel_request(data: Any) -> bool | None:
    """What the Tasks button asks: True to open the panel, False to close it; None when the
    window message is anything else (Chainlit forwards every window message, the panel's
    own pushes included)."""
    if isinstance(data, dict) and data.get("kind") == PANEL_MESSAGE:
        return bool(data.get("open"))
    return None
