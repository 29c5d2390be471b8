"""The per-user limit on REST writes: a FastAPI dependency over `token_bucket.RateLimiter`."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request

from backend_services.platform.app_support import authenticated, get_ctx
from backend_services.platform.auth import Principal
from backend_services.platform.token_bucket import RateLimiter

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_create_lock = threading.Lock()


def limiter_for(request: Request, name: str, per_minute: int) -> RateLimiter:
    """One limiter per app and name, created on first use."""
    state = request.app.state
    with _create_lock:
        limiters: dict[str, RateLimiter] | None = getattr(state, "rate_limiters", None)
        if limiters is None:
            limiters = state.rate_limiters = {}
        if name not in limiters:
            limiters[name] = RateLimiter(per_minute)
        return limiters[name]


async def rest_write_limit(
    request: Request, principal: Annotated[Principal, Depends(authenticated)]
) -> None:
    """Dependency: per-user limit on REST writes (`settings.rest_writes_per_minute`). Any
    authenticated caller (the route's own dependency says which scope it needs)."""
    if request.method in SAFE_METHODS or principal.is_service:
        return
    per_minute = get_ctx(request).settings.rest_writes_per_minute
    limiter_for(request, "rest_writes", per_minute).check(principal.subject, "writes")
