"""Chainlit's `POST /login`, guarded before Chainlit sees it.

- Login CSRF: a page on another site must not sign a visitor's browser into an account of its
  choosing (a form POST would set Chainlit's session cookie). A browser names the page's
  origin on every cross-origin POST (`Origin`, and `Sec-Fetch-Site`); such a request is
  refused unless that origin is this app's own (its `Host`) or in `allowed_origins`.
  A request with neither header (curl, scripts) is not a browser's and is let through.
- Throttling: every attempt from one client address counts (`RateLimiter`, per minute);
  beyond it, 429 with Retry-After before a password is checked. The per-account limit and
  the password hashing pool are the task service's
  (`backend_services/task_service/users/sign_in.py`): when it refuses (429, 503), the
  sign-in callback notes it (`refuse_sign_in`) and this
  guard answers with that status and Retry-After instead of Chainlit's 401 (Chainlit's
  callback wrapper swallows exceptions, so the note goes by a holder the request shares).
"""

from __future__ import annotations

import json
import math
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend_services.platform.token_bucket import RateLimiter

LOGIN_PATH = "/login"


@dataclass
class _Refusal:
    status: int = 0
    detail: str = ""
    retry_after: str = ""


# one holder per guarded request; Chainlit runs the route in another task, which sees the
# same holder object (a context is copied, the object is shared)
_refusal: ContextVar[_Refusal | None] = ContextVar("todo_login_refusal", default=None)


def refuse_sign_in(status: int, detail: str, retry_after: str) -> None:
    """From the sign-in callback: answer this `/login` with `status` (429, 503)."""
    holder = _refusal.get()
    if holder is not None:
        holder.status, holder.detail, holder.retry_after = status, detail, retry_after


class LoginGuard:
    def __init__(
        self, app: ASGIApp, *, attempts_per_minute: int, allowed_origins: list[str]
    ) -> None:
        self.app = app
        self.limiter = RateLimiter(attempts_per_minute)
        self.allowed = {o.rstrip("/").lower() for o in allowed_origins if o != "*"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != LOGIN_PATH:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not self.same_site(headers):
            await _answer(send, 403, "sign in from this app's own page", {})
            return
        client = scope.get("client")
        wait = self.limiter.hit(client[0] if client else "unknown")
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            await _answer(
                send,
                429,
                f"too many sign-in attempts; try again in {seconds} s",
                {"retry-after": str(seconds)},
            )
            return
        holder = _Refusal()
        reset = _refusal.set(holder)
        replaced = False

        async def send_or_refuse(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and holder.status:
                replaced = True
                extra = {"retry-after": holder.retry_after} if holder.retry_after else {}
                await _answer(send, holder.status, holder.detail, extra)
            elif not replaced:
                await send(message)

        try:
            await self.app(scope, receive, send_or_refuse)
        finally:
            _refusal.reset(reset)

    def same_site(self, headers: Headers) -> bool:
        origin = headers.get("origin")
        if origin is not None:
            if origin.rstrip("/").lower() in self.allowed:
                return True
            return bool(urlsplit(origin).netloc) and (
                urlsplit(origin).netloc.lower() == headers.get("host", "").lower()
            )
        # no Origin: a browser says where the request comes from here, if it is a browser
        return headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


async def _answer(send: Send, status: int, detail: str, extra: dict[str, str]) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.encode(), v.encode()) for k, v in extra.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
