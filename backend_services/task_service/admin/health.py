"""Health of every service, checked through the runtime port (`GET /healthz` by invocation).

In sidecar mode an invocation crosses the caller's daprd and the target's daprd, so an
answer from the app also proves both sidecars are up; "unreachable" means the target app
or a sidecar on the way is down. Embedded mode calls the apps in process."""

from __future__ import annotations

import asyncio
import time

from backend_services.contracts import AppId
from backend_services.platform.runtime import Runtime, RuntimeUnavailable
from backend_services.task_service.admin.schemas import HealthReport, ServiceHealth

TIMEOUT_SECONDS = 5.0


async def check_one(runtime: Runtime, app_id: str) -> ServiceHealth:
    started = time.perf_counter()
    try:
        result = await asyncio.wait_for(runtime.invoke(app_id, "healthz"), TIMEOUT_SECONDS)
    except (RuntimeUnavailable, TimeoutError) as exc:
        return ServiceHealth(app_id=app_id, status="unreachable", detail=str(exc)[:200])
    elapsed = round((time.perf_counter() - started) * 1000, 2)
    return ServiceHealth(
        app_id=app_id,
        status="ok" if result.ok else "unhealthy",
        http_status=result.status_code,
        latency_ms=elapsed,
    )


async def check_all(runtime: Runtime) -> HealthReport:
    services = await asyncio.gather(*(check_one(runtime, app.value) for app in AppId))
    overall = "ok" if all(s.status == "ok" for s in services) else "degraded"
    return HealthReport(status=overall, checked_through=runtime.invocation, services=list(services))
