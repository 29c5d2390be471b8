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
# Chainlit's feedback routes take a step or feedback id and check no owner
FEEDBACK_ROUTES = {("PUT", "/feedback"), ("DELETE", "/feedback")}


MAX_SESSION_BODY = 64 * 1024  # read here before the app's own body limit


class KnownSession:
    """404 for a request to a session route naming no live session; the body is replayed to
    Chainlit otherwise (it is small: the body limit runs first)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = (scope.get("method"), scope.get("path"))
        if scope["type"] != "http" or route not in SESSION_ROUTES | FEEDBACK_ROUTES:
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
        if route in FEEDBACK_ROUTES:
            if not await _owns_feedback_target(scope, route[0], body):
                await _answer(send, 404, b'{"detail":"no such message or feedback"}')
                return
        elif not _names_live_session(body):
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


_STEP_OWNER = (
    'SELECT t."userIdentifier" AS owner, t.id AS thread FROM steps s '
    'JOIN threads t ON t.id = s."threadId" WHERE s.id = :id'
)
_FEEDBACK_OWNER = (
    'SELECT t."userIdentifier" AS owner, t.id AS thread FROM feedbacks f '
    'JOIN threads t ON t.id = f."threadId" WHERE f.id = :id'
)


async def _owns_feedback_target(scope: Scope, method: str, body: bytes) -> bool:
    """The signed-in user's own message (PUT) or feedback (DELETE, and an existing id in a
    PUT). Requests Chainlit refuses anyway (no login, bad JSON) pass through to it."""
    from chainlit.auth import authenticate_user, get_token_from_cookies
    from chainlit.data import get_data_layer
    from starlette.requests import HTTPConnection

    token = get_token_from_cookies(HTTPConnection(scope).cookies)
    data_layer = get_data_layer()
    try:
        user = await authenticate_user(token) if token else None
        payload = json.loads(body)
    except Exception:
        return True  # Chainlit answers 401 / 422 itself
    if user is None or data_layer is None or not isinstance(payload, dict):
        return True

    async def owner(query: str, row_id: object) -> tuple[str, str] | None:
        if not isinstance(row_id, str):
            return None
        rows = await data_layer.execute_sql(query=query, parameters={"id": row_id})  # type: ignore[attr-defined]
        if not isinstance(rows, list) or not rows:
            return None
        return str(rows[0]["owner"]), str(rows[0]["thread"])

    me = str(user.identifier)
    if method == "DELETE":
        found = await owner(_FEEDBACK_OWNER, payload.get("feedbackId"))
        return found is not None and found[0] == me
    feedback = payload.get("feedback")
    if not isinstance(feedback, dict):
        return True
    step = await owner(_STEP_OWNER, feedback.get("forId"))
    if step is None or step[0] != me:
        return False
    if feedback.get("threadId") not in (None, step[1]):
        return False
    if feedback.get("id") is not None:
        existing = await owner(_FEEDBACK_OWNER, feedback.get("id"))
        return existing is None or existing[0] == me
    return True
