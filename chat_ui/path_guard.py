"""Chainlit's sub-mount guard, as plain ASGI.

`mount_chainlit` wraps Chainlit's app in a `BaseHTTPMiddleware` that answers 404 outside the
mount path. That middleware raises "RuntimeError: No response returned." (a traceback in the
log) whenever the wrapped app ends a request without a response: what socket.io's long-poll
does when a browser tab closes mid-request. This guard does the same check without wrapping
the response, so a closed tab is a non-event.
"""

from __future__ import annotations

from typing import Any

from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send


class MountPathGuard:
    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not str(scope.get("path", "")).startswith(self.prefix):
            await JSONResponse(status_code=404, content={"detail": "Not found"})(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)


def replace_chainlit_guard(chainlit_app: Any, prefix: str) -> int:
    """Swap `mount_chainlit`'s BaseHTTPMiddleware guard for `MountPathGuard` (before the app
    builds its middleware stack, at its first request). Returns how many were replaced."""
    replaced = 0
    for index, entry in enumerate(chainlit_app.user_middleware):
        if getattr(entry.cls, "__name__", "") == "ChainlitMiddleware":
            chainlit_app.user_middleware[index] = Middleware(MountPathGuard, prefix=prefix)
            replaced += 1
    return replaced
