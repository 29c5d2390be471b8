"""The backend services by app-id, each built by its `create_app(settings, runtime)`.

A service's process (`launch.serve`) builds one app: its package is imported when its
factory is first looked up, so a process never loads the other apps' code (idle RSS,
issue 27). The embedded process looks up all five."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import cast

from fastapi import FastAPI

from backend_services.contracts import AppId
from backend_services.platform.runtime import Runtime
from backend_services.platform.settings import Settings
from launch.topology import PUBLIC_ROUTES

__all__ = ["BACKEND_SERVICES", "PUBLIC_ROUTES", "AppFactory"]

AppFactory = Callable[[Settings, Runtime], FastAPI]

# each app id's module with its create_app, in start order
APP_MODULES: dict[str, str] = {
    AppId.TASKS.value: "backend_services.task_service.app",
    AppId.REMINDERS.value: "backend_services.reminder_service.app",
    AppId.RECURRING.value: "backend_services.recurring_worker.app",
    AppId.NOTIFICATIONS.value: "backend_services.notification_service.app",
    AppId.AUDIT.value: "backend_services.audit_service.app",
}


class _Factories(Mapping[str, AppFactory]):
    """app id → create_app, importing an app's module on its first look-up."""

    def __getitem__(self, app_id: str) -> AppFactory:
        module = importlib.import_module(APP_MODULES[app_id])
        return cast(AppFactory, module.create_app)

    def __iter__(self) -> Iterator[str]:
        return iter(APP_MODULES)

    def __len__(self) -> int:
        return len(APP_MODULES)


BACKEND_SERVICES: Mapping[str, AppFactory] = _Factories()
