"""Imports every table module so SQLModel.metadata is complete (migrations, tests)."""

from sqlmodel import SQLModel

from backend_services.audit_service import models as audit_models
from backend_services.kernel import accounts as user_models
from backend_services.kernel import tokens as token_models
from backend_services.notification_service import models as notification_models
from backend_services.platform import embedded_tables, idempotency, outbox
from backend_services.reminder_service import models as reminder_models
from backend_services.task_service.admin import models as admin_models
from backend_services.task_service.tasks import feed_models
from backend_services.task_service.tasks import models as task_models
from backend_services.task_service.users import oauth as oauth_models

metadata = SQLModel.metadata

__all__ = [
    "admin_models",
    "audit_models",
    "embedded_tables",
    "feed_models",
    "idempotency",
    "metadata",
    "notification_models",
    "oauth_models",
    "outbox",
    "reminder_models",
    "task_models",
    "token_models",
    "user_models",
]
