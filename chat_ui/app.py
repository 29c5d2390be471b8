"""Chainlit handlers only: login, history, chat turns rendered as tool steps and a streamed reply,
reminder actions. Loaded by path by `mount_chainlit`; never import this module."""

from __future__ import annotations

from typing import Any

import chainlit as cl
from chainlit.data.sql_alchemy import SQLAlchemyDataLayer
from chainlit.types import ThreadDict
from starlette.datastructures import Headers

from agent.events import ApprovalAsked, TextDelta, ToolFinished, ToolStarted, TurnDone
from agent.task_client import ToolError
from backend_services.platform.auth import AccountStamp
from chat_ui import actions, panel
from chat_ui.actions import Verb
from chat_ui.approval_timer import APPROVE, CANCEL, approval_buttons, approval_id_of
from chat_ui.auth import ENDED, header_user, is_live, password_user, session_stamp
from chat_ui.browser import adopt_browser_zone, is_narrow, panel_request
from chat_ui.context import current
from chat_ui.delivery import deliver_pending
from chat_ui.history import build_data_layer
from chat_ui.safe_text import InertImageStream, inert_images

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


async def _live_session() -> tuple[cl.User, AccountStamp] | None:
    """The session's user and account binding, checked with the task service on every chat
    start and turn; None (and the user told to sign in again) once the account was reset,
    disabled, deleted or created anew."""
    user = _user()
    stamp = session_stamp(cl.context.session)
    if stamp is None or not await is_live(user.identifier, _role(user), stamp):
        await cl.Message(content=ENDED, author="Sign-in").send()
        return None
    return user, stamp


@cl.set_starters
async def starters(_user: cl.User | None = None) -> list[cl.Starter]:
    """First-run suggestions on an empty chat."""
    return [cl.Starter(label=text, message=text, icon=icon) for text, icon in STARTERS]


@cl.on_chat_start
async def chat_start() -> None:
    live = await _live_session()
    if live is None:
        return
    user, stamp = live
    ctx = current()
    environ = cl.context.session.environ
    # before anything is said: an account still on UTC takes the browser's zone
    await adopt_browser_zone(ctx.user_token(user.identifier, _role(user), stamp), environ)
    ctx.sessions.add(user.identifier, cl.context.session.id)
    # a phone starts with the task sheet closed (it would cover the chat); the header's
    # Tasks button opens it (public/todo.js, `window_message` below)
    narrow = is_narrow(environ)
    cl.user_session.set("narrow", narrow)
    cl.user_session.set("panel_open", not narrow)
    if not narrow:
        await panel.show(user.identifier, _role(user), stamp)
    await deliver_pending(user.identifier, _role(user), stamp)


@cl.on_window_message
async def window_message(data: Any) -> None:
    """The header's Tasks button: open or close the task panel."""
    wanted = panel_request(data)
    if wanted is None:
        return
    live = await _live_session()
    if live is None:
        return
    user, stamp = live
    cl.user_session.set("panel_open", wanted)
    if wanted:
        await panel.show(user.identifier, _role(user), stamp)
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
    ctx, live = current(), await _live_session()
    if live is None:
        return
    user, stamp = live
    token = ctx.user_token(user.identifier, _role(user), stamp)
    conversation_id = cl.context.session.thread_id
    reply = cl.Message(content="")
    steps: dict[str, cl.Step] = {}
    streamed = False
    stream = InertImageStream()
    # admitted at the socket entry (chat_ui/socket_guard.py) before Chainlit stored it
    turn = ctx.agent.turn(token, user.identifier, conversation_id, message.content, admitted=True)
    async for event in turn:
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
        elif isinstance(event, ApprovalAsked):
            reply.actions = approval_buttons(event.approval_id)  # Approve / Cancel
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
            await panel.show(user.identifier, _role(user), stamp)


async def _act(action: cl.Action, verb: Verb) -> dict[str, Any] | None:
    """Mark done / Snooze on a reminder card (in the chat or the task panel). Returns the
    panel's fresh content, for the panel's own card to redraw at once."""
    ctx, live = current(), await _live_session()
    if live is None:
        return None
    user, stamp = live
    token = ctx.user_token(user.identifier, _role(user), stamp)
    text = await actions.reminder_action(ctx.app.runtime, token, action.payload, verb)
    await action.remove()
    if cl.user_session.get("narrow") and cl.user_session.get("panel_open"):
        # on a phone the sheet covers the chat: close it so that the reply is seen
        cl.user_session.set("panel_open", False)
        await panel.hide()
    await cl.Message(content=inert_images(text)).send()
    return await _fresh_panel(user, stamp)


async def _fresh_panel(user: cl.User, stamp: AccountStamp) -> dict[str, Any] | None:
    try:
        return await panel.load(user.identifier, _role(user), stamp)
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
    ctx, live = current(), await _live_session()
    if live is None:
        return None
    user, stamp = live
    token = ctx.user_token(user.identifier, _role(user), stamp)
    refused = await actions.panel_complete(ctx.app.runtime, token, action.payload)
    if refused:
        await cl.Message(content=inert_images(refused)).send()
    return await _fresh_panel(user, stamp)


async def _answer_approval(action: cl.Action, approved: bool) -> dict[str, Any] | None:
    """Approve / Cancel on a question's card: the answer raised on its approval workflow."""
    ctx, live = current(), await _live_session()
    if live is None:
        return None
    user, stamp = live
    approval_id = approval_id_of(action.payload)
    if approval_id is None:
        text = "Sorry: that action was not understood (approval_id)."
    else:
        token = ctx.user_token(user.identifier, _role(user), stamp)
        text = await ctx.agent.answer_approval(token, user.identifier, approval_id, approved)
    await action.remove()
    await cl.Message(content=inert_images(text)).send()
    return await _fresh_panel(user, stamp)


@cl.action_callback(APPROVE)
async def approval_approve(action: cl.Action) -> dict[str, Any] | None:
    return await _answer_approval(action, True)


@cl.action_callback(CANCEL)
async def approval_cancel(action: cl.Action) -> dict[str, Any] | None:
    return await _answer_approval(action, False)
