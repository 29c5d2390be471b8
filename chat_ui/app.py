"""Chainlit handlers only: login, history, chat turns rendered as tool steps and a streamed reply,
reminder actions. Loaded by path by `mount_chainlit`; never import this module."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import chainlit as cl
from chainlit.data.sql_alchemy import SQLAlchemyDataLayer
from chainlit.types import ThreadDict
from starlette.datastructures import Headers

from agent.events import TextDelta, ToolFinished, ToolStarted, TurnDone
from agent.task_client import TaskClient, ToolError
from backend_services.contracts import AppId
from backend_services.platform.timeutil import utcnow
from backend_services.tasks import wording
from chat_ui import panel
from chat_ui.auth import header_user, password_user
from chat_ui.browser import adopt_browser_zone, is_narrow, panel_request
from chat_ui.context import current
from chat_ui.delivery import deliver_pending
from chat_ui.history import build_data_layer
from chat_ui.safe_text import InertImageStream, inert_images

# Snooze choices on a reminder card: payload value → (delay, how the reply says it)
SNOOZES = {
    "10m": (timedelta(minutes=10), "for 10 minutes"),
    "1h": (timedelta(hours=1), "for an hour"),
    "tomorrow": (None, "until tomorrow 9:00"),  # 9:00 tomorrow in the user's zone
}
# First-run examples on an empty chat: a click puts the sentence in the composer to edit and
# send (public/todo.js), so the label is the whole sentence; nothing is created by a click
STARTERS = [
    ("Remind me to call mom tomorrow at 5pm", "/public/starters/bell.svg"),
    ("What's due today?", "/public/starters/today.svg"),
    ("Add stand-up every weekday at 9:30", "/public/starters/repeat.svg"),
    ("Show all my tasks", "/public/starters/list.svg"),
]


@cl.data_layer
def history() -> SQLAlchemyDataLayer:
    return build_data_layer(current().app.settings)


@cl.password_auth_callback
async def password_login(username: str, password: str) -> cl.User | None:
    return await password_user(username, password)


if current().app.settings.header_auth_name:

    @cl.header_auth_callback
    async def header_login(headers: Headers) -> cl.User | None:
        return await header_user(headers)


def _user() -> cl.User:
    user = cl.user_session.get("user")
    if not isinstance(user, cl.User):
        raise PermissionError("no signed-in user in this chat session")
    return user


def _role(user: cl.User) -> str:
    return str(user.metadata.get("role", "user"))


@cl.set_starters
async def starters(_user: cl.User | None = None) -> list[cl.Starter]:
    """First-run suggestions on an empty chat."""
    return [cl.Starter(label=text, message=text, icon=icon) for text, icon in STARTERS]


@cl.on_chat_start
async def chat_start() -> None:
    user, ctx = _user(), current()
    environ = cl.context.session.environ
    # before anything is said: an account still on UTC takes the browser's zone
    await adopt_browser_zone(ctx.user_token(user.identifier, _role(user)), environ)
    ctx.sessions.add(user.identifier, cl.context.session.id)
    # a phone starts with the task sheet closed (it would cover the chat); the header's
    # Tasks button opens it (public/todo.js, `window_message` below)
    narrow = is_narrow(environ)
    cl.user_session.set("narrow", narrow)
    cl.user_session.set("panel_open", not narrow)
    if not narrow:
        await panel.show(user.identifier, _role(user))
    await deliver_pending(user.identifier, _role(user))


@cl.on_window_message
async def window_message(data: Any) -> None:
    """The header's Tasks button: open or close the task panel."""
    wanted = panel_request(data)
    if wanted is None:
        return
    user = _user()
    cl.user_session.set("panel_open", wanted)
    if wanted:
        await panel.show(user.identifier, _role(user))
    else:
        await panel.hide()


@cl.on_chat_resume
async def chat_resume(_thread: ThreadDict) -> None:
    """A thread opened again (a reload, a click in the history). Chainlit draws the thread
    after this returns, and drawing it replaces what was sent meanwhile (the sidebar with the
    task panel, reminder cards): so the chat start runs once the thread has been drawn."""
    emitter = cl.context.emitter
    draw_thread = emitter.resume_thread

    async def draw_thread_then_start(thread: ThreadDict) -> None:
        await draw_thread(thread)
        await chat_start()

    emitter.resume_thread = draw_thread_then_start  # type: ignore[method-assign, assignment]


@cl.on_chat_end
async def chat_end() -> None:
    user = cl.user_session.get("user")
    if isinstance(user, cl.User):
        current().sessions.remove(user.identifier, cl.context.session.id)


@cl.on_message
async def on_message(message: cl.Message) -> None:
    ctx, user = current(), _user()
    token = ctx.user_token(user.identifier, _role(user))
    conversation_id = cl.context.session.thread_id
    reply = cl.Message(content="")
    steps: dict[str, cl.Step] = {}
    streamed = False
    stream = InertImageStream()
    async for event in ctx.agent.turn(token, user.identifier, conversation_id, message.content):
        if isinstance(event, ToolStarted):
            step = cl.Step(
                name=event.name, type="tool", show_input="json", parent_id=reply.parent_id
            )
            step.input = event.arguments
            steps[event.call_id] = step
            await step.send()
        elif isinstance(event, ToolFinished):
            step = steps[event.call_id]
            step.output = inert_images(event.output)
            step.is_error = not event.ok
            await step.update()
        elif isinstance(event, TextDelta):
            streamed = True
            await reply.stream_token(stream.feed(event.text))
        elif isinstance(event, TurnDone) and not streamed:
            text = inert_images(event.reply)
            for word in text.split(" "):
                await reply.stream_token(word + " ")
            reply.content = text
    if held := stream.flush():
        await reply.stream_token(held)
    await reply.send()
    if not cl.user_session.get("panel_in_thread"):
        # the UI closes the sidebar when the first message turns a new chat into a thread:
        # open again if it was open (never on a phone where it was closed: it would hide
        # the reply)
        cl.user_session.set("panel_in_thread", True)
        if cl.user_session.get("panel_open"):
            await panel.show(user.identifier, _role(user))


async def _act(action: cl.Action, verb: str) -> dict[str, Any] | None:
    """Mark done / Snooze on a reminder card (in the chat or the task panel). Returns the
    panel's fresh content, for the panel's own card to redraw at once."""
    ctx, user = current(), _user()
    token = ctx.user_token(user.identifier, _role(user))
    client = TaskClient(ctx.app.runtime, token)
    task_id = str(action.payload.get("task_id") or "")
    try:
        if verb == "done":
            task = await client.complete(task_id)
            text = f"Marked '{task['title']}' as done."
        else:
            delay, words = SNOOZES.get(str(action.payload.get("snooze") or "10m"), SNOOZES["10m"])
            if delay is None:
                zone = ZoneInfo((await client.me())["timezone"])
                at = wording.next_morning(zone, datetime.now(zone))
            else:
                at = utcnow() + delay
            task = await client.add_reminder(task_id, {"at": at.isoformat()})
            text = f"Snoozed '{task['title']}' {words}."
    except ToolError as exc:
        text = f"Sorry: {exc}."
    await ctx.app.runtime.invoke(
        AppId.NOTIFICATIONS.value,
        f"notifications/{action.payload.get('notification_id')}/ack",
        http_method="POST",
        headers={"authorization": f"Bearer {token}"},
    )
    await action.remove()
    if cl.user_session.get("narrow") and cl.user_session.get("panel_open"):
        # on a phone the sheet covers the chat: close it so that the reply is seen
        cl.user_session.set("panel_open", False)
        await panel.hide()
    await cl.Message(content=inert_images(text)).send()
    return await _fresh_panel(user)


async def _fresh_panel(user: cl.User) -> dict[str, Any] | None:
    try:
        return await panel.load(user.identifier, _role(user))
    except ToolError:
        return None


@cl.action_callback("mark_done")
async def mark_done(action: cl.Action) -> dict[str, Any] | None:
    return await _act(action, "done")


@cl.action_callback("snooze")
async def snooze(action: cl.Action) -> dict[str, Any] | None:
    return await _act(action, "snooze")


@cl.action_callback("panel_complete")
async def panel_complete(action: cl.Action) -> dict[str, Any] | None:
    """A checkbox in the task panel: the task service call the chat's complete_task makes."""
    ctx, user = current(), _user()
    client = TaskClient(ctx.app.runtime, ctx.user_token(user.identifier, _role(user)))
    try:
        await client.complete(str(action.payload.get("task_id") or ""))
    except ToolError as exc:
        await cl.Message(content=inert_images(f"Sorry: {exc}.")).send()
    return await _fresh_panel(user)
