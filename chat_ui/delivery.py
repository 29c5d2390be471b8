"""Sending notifications into live Chainlit sessions, with their action buttons."""

from __future__ import annotations

import logging
from typing import Any

import chainlit as cl
from chainlit.context import init_ws_context
from chainlit.session import WebsocketSession

from backend_services.contracts import AppId
from backend_services.platform.auth import AccountStamp
from backend_services.platform.service_paths import service_path
from chat_ui.auth import is_live, session_stamp
from chat_ui.context import current
from chat_ui.safe_text import inert_images

log = logging.getLogger("todo.chat.delivery")

# the keys of chat_ui/actions.py's SNOOZES
SNOOZE_LABELS = (
    ("10m", "Snooze 10 min"),
    ("1h", "Snooze 1 h"),
    ("tomorrow", "Snooze until tomorrow"),
)


def notification_message(note: dict[str, Any]) -> cl.Message:
    payload = {"notification_id": note["id"], "task_id": note.get("task_id")}
    actions = []
    if note.get("task_id"):
        actions = [
            cl.Action(name="mark_done", payload=payload, label="Mark done"),
            *(
                cl.Action(name="snooze", payload={**payload, "snooze": key}, label=label)
                for key, label in SNOOZE_LABELS
            ),
        ]
    body = inert_images(str(note["body"]))
    return cl.Message(content=f"🔔 {body}", author="Reminder", actions=actions)


async def mark_delivered(
    user_id: str, role: str, account: AccountStamp, notification_id: str
) -> None:
    ctx = current()
    token = ctx.user_token(user_id, role, account)
    await ctx.app.runtime.invoke(
        AppId.NOTIFICATIONS.value,
        service_path("notifications", notification_id, "delivered"),
        http_method="POST",
        headers={"authorization": f"Bearer {token}"},
    )


async def deliver_live(user_id: str, note: dict[str, Any]) -> int:
    """Show `note` in every session of `user_id` held by this process whose account binding
    is still live (never in a session of a reset, disabled or re-created account); returns
    how many."""
    ctx = current()
    delivered = 0
    live: dict[AccountStamp, bool] = {}
    for sid in ctx.sessions.of(user_id):
        session = WebsocketSession.get_by_id(sid)
        if session is None:
            ctx.sessions.remove(user_id, sid)
            continue
        stamp = session_stamp(session)
        if stamp is None:
            continue
        if stamp not in live:
            live[stamp] = await is_live(user_id, "user", stamp)
        if not live[stamp]:
            continue
        init_ws_context(session)
        try:
            await notification_message(note).send()
            delivered += 1
        except Exception:
            log.exception("could not deliver to session %s", sid)
    if delivered:
        stamp = next(s for s, ok in live.items() if ok)
        await mark_delivered(user_id, "user", stamp, note["id"])
    return delivered


async def deliver_pending(user_id: str, role: str, account: AccountStamp) -> None:
    """On chat start/resume: everything stored but not yet delivered."""
    ctx = current()
    token = ctx.user_token(user_id, role, account)
    result = await ctx.app.runtime.invoke(
        AppId.NOTIFICATIONS.value,
        "notifications",
        params={"undelivered": "true"},
        headers={"authorization": f"Bearer {token}"},
    )
    if not result.ok:
        log.warning("could not load pending notifications: %s", result.status_code)
        return
    for note in reversed(result.body):
        await notification_message(note).send()
        await mark_delivered(user_id, role, account, note["id"])
