"""Imports every table module so SQLModel.metadata is complete (migrations, tests)."""

from sqlmodel import SQLModel

from backend_services.admin import models as admin_models
from backend_services.audit import models as audit_models
from backend_services.notifications import models as notification_models
from backend_services.platform import embedded_tables, idempotency, outbox
from backend_services.reminders import models as reminder_models
from backend_services.tasks import feed_models
from backend_services.tasks import models as task_models
from backend_services.users import models as user_models
from backend_services.users import oauth as oauth_models
from backend_services.users import tokens as token_models

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
