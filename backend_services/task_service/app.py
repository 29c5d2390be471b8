"""task-service: tasks, users and login, the task REST API; relays its outbox."""

from __future__ import annotations

from fastapi import FastAPI

from backend_services.contracts import AppId
from backend_services.kernel.principals import resolve_principal
from backend_services.platform.app_support import build_service_app
from backend_services.platform.runtime import Runtime
from backend_services.platform.settings import Settings
from backend_services.platform.subscriptions import mount_subscriptions
from backend_services.task_service.admin import routes as admin_routes
from backend_services.task_service.handlers import handlers
from backend_services.task_service.tasks import calendar_routes, routes, service
from backend_services.task_service.users import oauth_routes, token_routes
from backend_services.task_service.users import routes as user_routes
from backend_services.task_service.users.sign_in import SignInGuard


def create_app(settings: Settings, runtime: Runtime) -> FastAPI:
    app, ctx = build_service_app(
        settings,
        runtime,
        AppId.TASKS.value,
        title="Task service",
        description="Tasks, reminders and recurrence for the signed-in user. "
        "Authenticate with `Authorization: Bearer <token>` (`todo token --user U`).",
        principals=resolve_principal,
    )
    app.include_router(routes.router)
    app.include_router(routes.lists)
    app.include_router(routes.internal)
    app.include_router(calendar_routes.router)
    app.include_router(calendar_routes.feed)
    app.include_router(user_routes.router)
    app.include_router(user_routes.internal)
    app.include_router(token_routes.router)
    app.include_router(oauth_routes.internal)
    app.include_router(oauth_routes.grants)
    app.include_router(admin_routes.router)
    app.state.sign_in = guard = SignInGuard(settings)

    async def close_hash_pool(_ctx: object) -> None:
        guard.hashes.close()

    ctx.on_stop.append(close_hash_pool)

    mount_subscriptions(app, handlers.subscriptions(ctx))
    ctx.relay_outbox(service.SOURCE)
    return app
