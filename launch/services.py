"""The backend services by app-id, each built by its `create_app(settings, runtime)`."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from backend_services.audit_service.app import create_app as audit_app
from backend_services.contracts import AppId
from backend_services.notification_service.app import create_app as notification_app
from backend_services.platform.runtime import Runtime
from backend_services.platform.settings import Settings
from backend_services.recurring_worker.app import create_app as recurring_app
from backend_services.reminder_service.app import create_app as reminder_app
from backend_services.task_service.app import create_app as task_app
from launch.topology import PUBLIC_ROUTES

__all__ = ["BACKEND_SERVICES", "PUBLIC_ROUTES", "AppFactory"]

AppFactory = Callable[[Settings, Runtime], FastAPI]

BACKEND_SERVICES: dict[str, AppFactory] = {
    AppId.TASKS.value: task_app,
    AppId.REMINDERS.value: reminder_app,
    AppId.RECURRING.value: recurring_app,
    AppId.NOTIFICATIONS.value: notification_app,
    AppId.AUDIT.value: audit_app,
}
