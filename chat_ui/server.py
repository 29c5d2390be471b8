"""chat-ui: the Chainlit UI and the agent in one FastAPI app, plus live notification fan-in."""

from __future__ import annotations

import hashlib
import hmac
import os
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from agent.service import Agent, LLMConfig
from backend_services.contracts import (
    BROADCAST_PUBSUB,
    PUBSUB,
    AppId,
    CloudEvent,
    EventPayload,
    NotificationCreated,
    Topic,
    UserDeleted,
)
from backend_services.platform.app_support import AppContext, build_service_app
from backend_services.platform.runtime import Runtime
from backend_services.platform.settings import Settings
from backend_services.platform.subscriptions import Subscribed, mount_subscriptions
from chat_ui.auth import guard_socket_connect
from chat_ui.context import ChatContext, set_current
from chat_ui.login_guard import LoginGuard

HANDLERS = Path(__file__).resolve().parent / "app.py"


def chainlit_secret(signing_key: str) -> str:
    """Chainlit's session secret, derived from our signing key (one secret to manage)."""
    return hmac.new(signing_key.encode(), b"chainlit-session", hashlib.sha256).hexdigest()


def allow_origins(origins: list[str]) -> None:
    """Chainlit's CORS list (credentials allowed): ours instead of its `["*"]`, which echoes
    any origin. Mutated in place: Chainlit's CORS middleware holds this very list."""
    from chainlit.config import config

    config.project.allow_origins[:] = [o for o in origins if o != "*"]


def mount_mcp(app: FastAPI, ctx: AppContext) -> None:
    """The agent's tools over MCP at `/mcp` (agent/mcp_server.py), before Chainlit's `/`."""
    from starlette.routing import Route

    from agent.mcp_server import MCP_PATH, McpEndpoint

    endpoint = McpEndpoint(ctx.runtime)
    stack = AsyncExitStack()

    async def start(_ctx: AppContext) -> None:
        await stack.enter_async_context(endpoint.running())

    async def stop(_ctx: AppContext) -> None:
        await stack.aclose()

    ctx.on_start.append(start)
    ctx.on_stop.append(stop)
    app.router.routes.append(Route(MCP_PATH, endpoint, methods=["GET", "POST", "DELETE"]))


def create_app(settings: Settings, runtime: Runtime, *, signing_key: str) -> FastAPI:
    """`signing_key` is read from the secret store by the caller: Chainlit needs its session
    secret before the app starts."""
    os.environ["CHAINLIT_AUTH_SECRET"] = chainlit_secret(signing_key)
    app, ctx = build_service_app(
        settings,
        runtime,
        AppId.CHAT_UI.value,
        title="Chat UI",
        description="Chainlit chat with the to-do agent.",
    )
    agent = Agent(
        runtime, LLMConfig.from_env(), settings.max_chat_chars, settings.chat_turns_per_minute
    )
    chat = ChatContext(app=ctx, agent=agent)
    set_current(chat)
    app.state.chat = chat

    async def on_notification(_event: CloudEvent, payload: EventPayload) -> None:
        from chat_ui.delivery import deliver_live
        from chat_ui.panel import push

        assert isinstance(payload, NotificationCreated)
        await push(payload.user_id)  # the panel's reminder card and ringing bell
        await deliver_live(
            payload.user_id,
            {
                "id": payload.notification_id,
                "task_id": payload.task_id,
                "title": payload.title,
                "body": payload.body,
            },
        )

    async def on_task_change(_event: CloudEvent, payload: EventPayload) -> None:
        from chat_ui.panel import push

        await push(payload.user_id)

    async def on_user_deleted(_event: CloudEvent, payload: EventPayload) -> None:
        if isinstance(payload, UserDeleted):  # the task events are the panel's (above)
            from chat_ui.history import forget_user

            await run_in_threadpool(forget_user, ctx.engine, payload.user_id)

    mount_subscriptions(
        app,
        [
            Subscribed(
                BROADCAST_PUBSUB, Topic.TASK_UPDATES.value, "/events/notification", on_notification
            ),
            # every task change, on the broadcast component so that every replica hears it and
            # refreshes the task panels of the sessions it holds; a missed refresh is not
            # worth a dead letter (the next change or a reload shows the truth)
            Subscribed(
                BROADCAST_PUBSUB,
                Topic.TASK_EVENTS.value,
                "/events/task-change",
                on_task_change,
                dead_letter=False,
                accepts=lambda event: _has_session(chat, event),
            ),
            # and once per app (a consumer group, dead-lettered): forgetting a deleted
            # account's chat history must not depend on a replica running at that moment
            Subscribed(
                PUBSUB,
                Topic.TASK_EVENTS.value,
                "/events/user-deleted",
                on_user_deleted,
                event_types=frozenset({UserDeleted.event_type}),
            ),
        ],
    )
    mount_mcp(app, ctx)
    allow_origins(settings.allowed_origins)
    app.add_middleware(
        LoginGuard,
        attempts_per_minute=settings.login_attempts_per_minute_per_client,
        allowed_origins=settings.allowed_origins,
    )
    from chainlit.server import app as chainlit_app
    from chainlit.utils import mount_chainlit

    # Chainlit's app is one per process and refuses the middleware each mount adds once it
    # has served a request: a second chat UI in the process (the tests make many) lets it
    # build its middleware stack again
    chainlit_app.middleware_stack = None
    mount_chainlit(app, target=str(HANDLERS), path="/")
    # after Chainlit registered its socket handlers: they are wrapped here (the account
    # binding on connect; origins, frame size and the message checks before persistence)
    from chat_ui.socket_guard import KnownSession, guard_socket

    guard_socket_connect()
    guard_socket(settings.allowed_origins, settings.max_chat_frame_bytes, agent.admit)
    app.add_middleware(KnownSession)
    from chat_ui.path_guard import replace_chainlit_guard
    from chat_ui.ui_words import word_for_mode

    replace_chainlit_guard(chainlit_app, "/")  # a closed tab logs no traceback
    word_for_mode(offline=agent.mode == "offline")  # no "LLMs can make mistakes" offline
    return app


def _has_session(chat: ChatContext, event: dict[str, Any]) -> bool:
    """Whether this process holds a session of the event's user (else the task panel has
    no one to refresh: the change is acknowledged without a delivery)."""
    data = event.get("data")
    user_id = data.get("user_id") if isinstance(data, dict) else None
    return not isinstance(user_id, str) or bool(chat.sessions.of(user_id))
