"""The live task panel beside the chat: a Chainlit custom element (public/elements/Tasks.jsx)
in the element sidebar.

Its content is built here, worded by `backend_services.kernel.wording` (the formatter chat
replies, notifications and `todo tasks` use), so the browser only lays it out. It changes live
without a page reload: when a task of the user changes (any source: this chat, the REST API, a
reminder action, another tab or replica; chat-ui hears every task event on the broadcast
pub/sub) the fresh content goes to each of the user's sessions as a window message, which the
element listens for. Chainlit's element updates do not reach the sidebar's copy of an element,
and re-sending the sidebar would reopen it after the user closed it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import chainlit as cl
from chainlit.context import init_ws_context
from chainlit.session import WebsocketSession

from agent.task_client import TaskClient, ToolError
from backend_services.contracts import AppId
from backend_services.kernel import wording
from backend_services.platform.auth import AccountStamp
from chat_ui.auth import session_stamp
from chat_ui.context import current

log = logging.getLogger("todo.chat.panel")

ELEMENT = "Tasks"  # the JSX file's name, and the sidebar's title
MESSAGE_KIND = "todo-task-panel"  # what Tasks.jsx listens for
SHOWN_SECTIONS: tuple[wording.Section, ...] = ("overdue", "today", "upcoming", "someday")
MAX_TASKS = 200


def panel_props(
    tasks: Iterable[dict[str, Any]],
    alerts: Iterable[dict[str, Any]],
    zone: ZoneInfo,
    now: datetime,
) -> dict[str, Any]:
    """What Tasks.jsx shows: open tasks by section, every tag, and reminders that rang and
    wait for an answer (`alerts`: unacknowledged notifications)."""
    ringing = {a["task_id"] for a in alerts if a.get("task_id")}
    sections: dict[str, list[dict[str, Any]]] = {key: [] for key in SHOWN_SECTIONS}
    tags: set[str] = set()
    for task in tasks:
        where = wording.section(task, zone, now)
        due = wording.as_datetime(task.get("due_at"))
        if where == "overdue" and task["id"] in ringing and _same_day(due, zone, now):
            # its reminder rings at the due time: ringing (highlighted, with its card) under
            # Today, not red Overdue the moment it fires; once answered, overdue as due
            where = "today"
        if where not in sections:
            continue
        upcoming = wording.reminder_times(task)
        tags.update(task.get("tags") or [])
        sections[where].append(
            {
                "id": task["id"],
                "title": task["title"],
                "priority": task.get("priority") or "none",
                "tags": task.get("tags") or [],
                "when": wording.moment(due, zone, now) if due else "",
                "reminder": (
                    wording.reminder_phrase(upcoming[0], task, zone, now) if upcoming else ""
                ),
                "repeats": _repeats(task, due, zone, now),
                "list": "" if task.get("list_name") in (None, "", "Inbox") else task["list_name"],
                "ringing": task["id"] in ringing,
                **_deadline_and_duration(task, zone, now),
            }
        )
    return {
        "kind": MESSAGE_KIND,
        "timezone": zone.key,
        "sections": [
            {"key": key, "title": wording.SECTION_TITLES[key], "tasks": sections[key]}
            for key in SHOWN_SECTIONS
        ],
        "tags": sorted(tags),
        "alerts": [
            {"notification_id": a["id"], "task_id": a.get("task_id"), "text": a["body"]}
            for a in alerts
        ],
    }


def _deadline_and_duration(task: dict[str, Any], zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    """ "by Fri 5 Dec" (and whether that day has passed), "45 min"; empty when not set."""
    deadline = wording.deadline_of(task)
    minutes = task.get("duration_minutes")
    return {
        "deadline": "by " + wording.deadline_day(deadline, zone, now) if deadline else "",
        "deadline_missed": deadline is not None and deadline < now.astimezone(zone).date(),
        "duration": wording.duration_words(int(minutes)) if minutes else "",
    }


def _same_day(due: datetime | None, zone: ZoneInfo, now: datetime) -> bool:
    return due is not None and due.astimezone(zone).date() == now.astimezone(zone).date()


def _repeats(task: dict[str, Any], due: datetime | None, zone: ZoneInfo, now: datetime) -> str:
    """The repeat rule in words, as the chat words it ("… after each completion")."""
    if not task.get("recurrence"):
        return ""
    words = wording.rule_in_words(task["recurrence"], due, zone, now)
    return words + (" after each completion" if task.get("repeat_from_completion") else "")


async def load(user_id: str, role: str, account: AccountStamp) -> dict[str, Any]:
    """The panel's content for this user, read through the task and notification services."""
    # when the reading began: Tasks.jsx keeps the newest content it has seen, whichever way
    # it came (the element's props, a push, an action's answer) and in whatever order
    version = time.time_ns()
    ctx = current()
    token = ctx.user_token(user_id, role, account)
    client = TaskClient(ctx.app.runtime, token)
    me = await client.me()
    page = await client.list(status="pending", sort="due", limit=MAX_TASKS)
    notes = await ctx.app.runtime.invoke(
        AppId.NOTIFICATIONS.value,
        "notifications",
        params={"unacked": "true"},
        headers={"authorization": f"Bearer {token}"},
    )
    alerts = [n for n in notes.body if n.get("task_id")] if notes.ok else []
    zone = ZoneInfo(me["timezone"])
    return panel_props(page["items"], alerts, zone, datetime.now(zone)) | {"version": version}


async def show(user_id: str, role: str, account: AccountStamp) -> None:
    """Open the panel in the current session: on chat start and resume, and after the first
    turn of a new chat (the UI closes the sidebar when the chat becomes a thread).

    A "side" element is one the UI keeps in the sidebar it builds from every side element it
    was sent (titled with the element's name); one id per session makes each show replace
    the panel instead of adding a copy. Between shows, `push` keeps it current."""
    try:
        props = await load(user_id, role, account)
    except ToolError as exc:
        log.warning("task panel not shown: %s", exc)
        return
    element_id = cl.user_session.get("task_panel_id")
    element = cl.CustomElement(name=ELEMENT, props=props, display="side")
    if element_id:
        element.id = str(element_id)
    cl.user_session.set("task_panel_id", element.id)
    await cl.ElementSidebar.set_elements([element], key=ELEMENT)


async def hide() -> None:
    """Close the panel in the current session (the header's Tasks button)."""
    await cl.ElementSidebar.set_elements([], key=ELEMENT)


async def push(user_id: str) -> int:
    """Fresh content to every session of `user_id` this process holds; returns how many.
    Each session gets the content read with its own account binding: a session whose account
    was reset, disabled or re-created gets nothing."""
    ctx = current()
    sessions = ctx.sessions.of(user_id)
    if not sessions:
        return 0
    loaded: dict[AccountStamp, dict[str, Any] | None] = {}
    pushed = 0
    for sid in sessions:
        session = WebsocketSession.get_by_id(sid)
        if session is None:
            ctx.sessions.remove(user_id, sid)
            continue
        stamp = session_stamp(session)
        if stamp is None:
            continue
        if stamp not in loaded:
            try:
                loaded[stamp] = await load(user_id, "user", stamp)
            except ToolError as exc:
                log.warning("task panel not refreshed for %s: %s", user_id, exc)
                loaded[stamp] = None
        props = loaded[stamp]
        if props is None:
            continue
        init_ws_context(session)
        await cl.send_window_message(props)
        pushed += 1
    return pushed
