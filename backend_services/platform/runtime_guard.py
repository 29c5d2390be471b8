"""Routes only the runtime may call: subscription deliveries, job triggers, input bindings.

daprd presents the app API token in the `dapr-api-token` header on every call to its app
when `APP_API_TOKEN` is set (Kubernetes: `dapr.io/app-token-secret`); the embedded runtime
presents an in-process secret the same way. A caller without the right token gets 401,
whatever route it aims at, and a runtime with no token configured refuses every such call
(fail closed), so a forgotten setting can never open these routes to the network.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from backend_services.contracts import INPUT_BINDINGS

log = logging.getLogger("todo.auth")

APP_TOKEN_HEADER = "dapr-api-token"
_RUNTIME_PREFIXES = ("/dapr/", "/events/", "/job/")
_BINDING_PATHS = frozenset(f"/{name}" for name in INPUT_BINDINGS)


def is_runtime_path(path: str) -> bool:
    """True for every path that only the runtime calls (never routed from outside)."""
    if path.startswith(_RUNTIME_PREFIXES):
        return True
    return path.rstrip("/") in _BINDING_PATHS


def token_matches(presented: str | None, expected: str | None) -> bool:
    if not expected or not presented:
        return False
    return hmac.compare_digest(presented.encode(), expected.encode())


class RuntimeCallerGuard:
    """ASGI middleware: 401 for a runtime-only path unless the caller shows the app token.

    `expected` is read per request (the embedded runtime's secret exists before any call,
    the sidecar's comes from the environment)."""

    def __init__(self, app: ASGIApp, expected: Callable[[], str | None]) -> None:
        self.app = app
        self.expected = expected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_runtime_path(scope.get("path", "")):
            presented = _header(scope, APP_TOKEN_HEADER)
            if not token_matches(presented, self.expected()):
                reason = "no app token configured" if not self.expected() else "bad app token"
                log.warning("401 %s %s: %s", scope.get("method"), scope.get("path"), reason)
                await _refuse(send)
                return
        await self.app(scope, receive, send)


class PublicOnly:
    """ASGI wrapper for a listener the outside world reaches (an Ingress, the embedded
    gateway): runtime-only paths are not found there, whatever the caller presents."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and is_runtime_path(scope.get("path", "")):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await _respond(send, 404, {"error": "not_found", "detail": "Not Found"})
            return
        await self.app(scope, receive, send)


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return bytes(value).decode("latin-1")
    return None


async def _refuse(send: Send) -> None:
    detail = "only the Dapr runtime may call this route"
    await _respond(send, 401, {"error": "unauthorized", "detail": detail})


async def _respond(send: Send, status: int, payload: dict[str, str]) -> None:
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
