"""Request body limits: the size, enforced before the body is read into memory, and the time
it may take to arrive (a client that trickles a body, or stops sending it, holds a
connection and a worker for as long as it likes otherwise): 408 once `read_seconds` passed
since the request began and the body is still incomplete.

Runtime-only routes (already past the app-token check, which runs first) get a larger limit:
a bulk delivery carries up to 100 events in one request."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend_services.platform.runtime_guard import is_runtime_path

RUNTIME_MAX_BYTES = 16 * 1024 * 1024


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, read_seconds: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.read_seconds = read_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = RUNTIME_MAX_BYTES if is_runtime_path(scope.get("path", "")) else self.max_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        seen = 0
        complete = False
        deadline = asyncio.get_running_loop().time() + self.read_seconds

        async def limited() -> Message:
            nonlocal seen, complete
            if complete:  # after the body: waiting for a disconnect is no client's delay
                return await receive()
            try:  # in this task (no wait_for task): the server's receive stays in its own
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise _BodyTooSlow() from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _BodyTooLarge
                complete = not message.get("more_body", False)
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await _too_large(send, limit)
        except _BodyTooSlow:
            await _refuse(send, 408, b'{"error":"timeout","detail":"request body too slow"}')


class _BodyTooLarge(Exception):
    pass


class _BodyTooSlow(HTTPException):
    """An HTTPException: FastAPI re-raises those from a body read (anything else it turns into
    400 "error parsing the body"), so the app's error handlers answer 408."""

    def __init__(self) -> None:
        super().__init__(408, "the request body did not arrive in time", {"connection": "close"})


async def _too_large(send: Send, limit: int) -> None:
    body = b'{"error":"too_large","detail":"request body exceeds %d bytes"}' % limit
    await _refuse(send, 413, body)


async def _refuse(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def install_body_limit(app: FastAPI, max_bytes: int, read_seconds: float = 30.0) -> None:
    app.add_middleware(BodyLimit, max_bytes=max_bytes, read_seconds=read_seconds)


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # no framing (clickjacking), no plugins, no <base> rewriting; scripts are left to the
    # page (Chainlit's UI inlines its configuration)
    (b"content-security-policy", b"frame-ancestors 'none'; object-src 'none'; base-uri 'self'"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """The same browser-hardening headers on every HTTP answer (API, chat UI, errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
