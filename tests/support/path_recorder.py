"""What reached the apps through the embedded runtime on someone's behalf: every HTTP request
a service app received by service invocation with a bearer token (the apps are the real ones;
the recorder only notes each request's method and path, as the app saw them, then passes it
on). The runtime's own deliveries (events, jobs, bindings) carry no bearer: not noted."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# what a user's tools and chat actions may reach by service invocation, and nothing else
USER_CALLS = re.compile(
    r"^/(me|lists|notifications"
    r"|notifications/[0-9a-f-]{36}/(ack|delivered)"
    r"|tasks(/[0-9a-f-]{36}(/(complete|reopen|reminders(/[0-9a-f-]{36})?))?)?)$"
)


@dataclass
class PathRecorder:
    calls: list[tuple[str, str]] = field(default_factory=list)

    def wrap(self, app: Any) -> Any:
        async def recorded(scope: Any, receive: Any, send: Any) -> None:
            headers = dict(scope.get("headers") or [])
            if scope["type"] == "http" and b"authorization" in headers:
                raw = scope.get("raw_path") or scope["path"].encode()
                self.calls.append((scope["method"], raw.decode("latin-1")))
            await app(scope, receive, send)

        return recorded

    def clear(self) -> None:
        self.calls.clear()

    def outside(self, allowed: re.Pattern[str] = USER_CALLS) -> list[tuple[str, str]]:
        """The calls whose path is not one `allowed` describes."""
        return [(m, p) for m, p in self.calls if not allowed.fullmatch(p)]


async def record_invocations(runtime: Any) -> PathRecorder:
    """Put a recorder in front of every app registered with the embedded runtime."""
    recorder = PathRecorder()
    for app_id, app in list(runtime.apps.items()):
        old = runtime._clients[app_id]
        runtime.register(app_id, recorder.wrap(app))
        await old.aclose()
    return recorder
