"""The chat's socket.io entry, before Chainlit: which origins may open it, how large a frame
may be, and which messages reach Chainlit at all.

Chainlit creates its server with `cors_allowed_origins=[]`, which turns engine.io's origin
check off: any page could open a socket with the user's cookie. Here the check is on: the
app's own origin (the host the request came to) and `TODO_ALLOWED_ORIGINS`.

Chainlit stores a user message (a step row) before `on_message` runs, so a check there comes
too late: 20 messages of 900 KB grew the database by 34 MB. The message handlers are wrapped:
a frame over `TODO_MAX_CHAT_FRAME_BYTES` closes the socket (engine.io's own cap), and a
message over `TODO_MAX_CHAT_CHARS` or over the user's turn rate is answered with a reply that
is sent to that socket only and never stored; Chainlit never sees it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend_services.platform.timeutil import utcnow

Handler = Callable[..., Awaitable[Any]]
Admit = Callable[[str, str], str | None]
GUARDED_EVENTS = ("client_message", "edit_message")
# Chainlit's socket.io server is one per process, and so are its handlers: the wrappers look
# up the admission of the chat app created last (as Chainlit's own handlers do)
_current: dict[str, Admit] = {}


def origin_allowed(origin: str | None, environ: Mapping[str, Any], extra: list[str]) -> bool:
    """The app's own origin (the host this request came to, as the browser spelled it in
    Host or a proxy in X-Forwarded-Host) or one of `extra`. No Origin: not a browser page."""
    if not origin:
        return True
    if origin in extra:
        return True
    host = urlsplit(origin).netloc.lower()
    served = {
        str(environ.get("HTTP_HOST") or "").lower(),
        str(environ.get("HTTP_X_FORWARDED_HOST") or "").split(",")[0].strip().lower(),
    }
    return bool(host) and host in served - {""}


def guard_socket(allowed_origins: list[str], max_frame_bytes: int, admit: Admit) -> None:
    """Configure Chainlit's socket.io server (one per process). `admit(user, text)` returns
    None to let a message through, else the reply that refuses it."""
    from chainlit.server import sio

    _current["admit"] = admit
    extra = [o for o in allowed_origins if o != "*"]
    sio.eio.cors_allowed_origins = lambda origin, environ: origin_allowed(origin, environ, extra)
    sio.eio.max_http_buffer_size = max_frame_bytes
    handlers: dict[str, Handler] = sio.handlers.setdefault("/", {})
    for event in GUARDED_EVENTS:
        inner = handlers.get(event)
        if inner is None or getattr(inner, "todo_guarded", False):
            continue
        handlers[event] = _guarded(inner)


def _guarded(inner: Handler) -> Handler:
    async def handler(sid: str, payload: Any, *args: Any) -> Any:
        from chainlit.server import sio
        from chainlit.session import WebsocketSession

        session = WebsocketSession.get(sid)
        text = _message_text(payload)
        user = getattr(session, "user", None) if session is not None else None
        if session is not None and user is not None and text is not None:
            refusal = _current["admit"](str(user.identifier), text)
            if refusal is not None:
                await sio.emit("new_message", _reply(session, refusal), to=sid)
                return None
        elif session is not None and text is None:
            return None  # not a message Chainlit could handle either
        return await inner(sid, payload, *args)

    handler.todo_guarded = True  # type: ignore[attr-defined]
    return handler


def _message_text(payload: Any) -> str | None:
    message = payload.get("message") if isinstance(payload, dict) else None
    text = message.get("output") if isinstance(message, dict) else None
    return text if isinstance(text, str) else None


def _reply(session: Any, text: str) -> dict[str, Any]:
    """An assistant message as Chainlit's UI draws one, for this socket only (not stored)."""
    return {
        "id": str(uuid.uuid4()),
        "threadId": session.thread_id,
        "parentId": None,
        "name": "Assistant",
        "type": "assistant_message",
        "output": text,
        "createdAt": utcnow().isoformat().replace("+00:00", "Z"),
        "streaming": False,
        "isError": False,
        "waitForAnswer": False,
        "metadata": {},
        "tags": None,
    }


# Chainlit's routes that act on a live chat session by the `sessionId` in their JSON body;
# an unknown one reached `init_ws_context(None)`: a 500
SESSION_ROUTES = {("POST", "/project/action"), ("PUT", "/project/element"),
                  ("DELETE", "/project/element")}  # fmt: skip


MAX_SESSION_BODY = 64 * 1024  # read here before the app's own body limit


class KnownSession:
    """404 for a request to a session route naming no live session; the body is replayed to
    Chainlit otherwise (it is small: the body limit runs first)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) not in SESSION_ROUTES:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            if sum(map(len, chunks)) > MAX_SESSION_BODY:
                await _answer(send, 413, b'{"detail":"request body too large"}')
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if not _names_live_session(body):
            await _answer(send, 404, b'{"detail":"no such chat session"}')
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _answer(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _names_live_session(body: bytes) -> bool:
    from chainlit.session import WebsocketSession

    try:
        payload = json.loads(body)
    except ValueError:
        return True  # not JSON: Chainlit's own validation answers 422
    session_id = payload.get("sessionId") if isinstance(payload, dict) else None
    if not isinstance(session_id, str):
        return True  # Chainlit's own validation answers 422
    return WebsocketSession.get_by_id(session_id) is not None
