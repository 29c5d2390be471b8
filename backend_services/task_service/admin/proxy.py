"""Admin calls to the other services, through the runtime's service invocation.

Each call carries a short-lived token minted for the calling admin (on-behalf-of), so the
target service checks an admin identity itself and no service needs admin-like powers."""

from __future__ import annotations

from typing import Any

from backend_services.platform.app_support import AppContext
from backend_services.platform.auth import Principal
from backend_services.platform.errors import AppError, BadRequest, Conflict, NotFound
from backend_services.platform.runtime import RuntimeUnavailable
from backend_services.platform.service_paths import UnsafePath

ON_BEHALF_TTL_SECONDS = 60


class Upstream(AppError):
    status_code = 502
    error = "upstream"


async def call(
    ctx: AppContext,
    admin: Principal,
    app_id: str,
    path: str,
    *,
    method: str = "GET",
    params: dict[str, Any] | None = None,
) -> Any:
    # bound as the admin's own token is (none for a personal access token's admin)
    token = ctx.tokens().issue(admin.subject, "admin", ON_BEHALF_TTL_SECONDS, account=admin.account)
    clean = {k: v for k, v in (params or {}).items() if v is not None}
    try:
        result = await ctx.runtime.invoke(
            app_id,
            path,
            http_method=method,
            params=clean,
            headers={"authorization": f"Bearer {token}"},
        )
    except RuntimeUnavailable as exc:
        raise Upstream(f"{app_id} is unreachable") from exc
    except UnsafePath as exc:  # the route's parameters are typed: a path built by hand
        raise BadRequest(str(exc)) from exc
    if result.ok:
        return result.body
    detail = result.body.get("detail") if isinstance(result.body, dict) else None
    message = str(detail) if isinstance(detail, str) else f"{app_id} answered {result.status_code}"
    # the admin's own input is validated here first: a 422 from the target is our fault (502)
    errors: dict[int, type[AppError]] = {404: NotFound, 409: Conflict}
    raise errors.get(result.status_code, Upstream)(message)
