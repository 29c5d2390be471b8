"""Request body size limit, enforced before the body is read into memory.

Runtime-only routes (already past the app-token check, which runs first) get a larger limit:
a bulk delivery carries up to 100 events in one request."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend_services.platform.runtime_guard import is_runtime_path

RUNTIME_MAX_BYTES = 16 * 1024 * 1024


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

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

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await _too_large(send, limit)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = b'{"error":"too_large","detail":"request body exceeds %d bytes"}' % limit
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def install_body_limit(app: FastAPI, max_bytes: int) -> None:
    app.add_middleware(BodyLimit, max_bytes=max_bytes)
