"""Request and response models of the admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from backend_services.kernel.accounts import MAX_TIMEZONE_LENGTH, validate_timezone
from backend_services.kernel.service_schemas import EventRates, ReminderLateness
from backend_services.platform.ids import USERNAME_PATTERN
from backend_services.platform.inputs import SafeText, SecretText


class UserCreate(BaseModel):
    username: str = Field(pattern=USERNAME_PATTERN, max_length=63)
    password: SecretText = Field(min_length=8, max_length=500)
    display_name: SafeText | None = Field(default=None, min_length=1, max_length=200)
    timezone: SafeText = Field(default="UTC", max_length=MAX_TIMEZONE_LENGTH)
    role: Literal["user", "admin"] = "user"

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return validate_timezone(value)


class PasswordReset(BaseModel):
    password: SecretText = Field(min_length=8, max_length=500)
    revoke_tokens: bool = Field(
        default=False, description="also revoke every personal access token of the user"
    )


class ServiceHealth(BaseModel):
    app_id: str
    status: Literal["ok", "unhealthy", "unreachable"]
    http_status: int | None = None
    latency_ms: float | None = None
    detail: str | None = None


class HealthReport(BaseModel):
    status: Literal["ok", "degraded"]
    checked_through: str = Field(
        description="how services were reached: the runtime's service invocation (through "
        "each service's sidecar in sidecar mode, in-process in embedded mode)"
    )
    services: list[ServiceHealth]


class TaskCounts(BaseModel):
    total: int
    pending: int
    completed: int
    overdue: int


class UserCounts(BaseModel):
    total: int
    disabled: int
    admins: int


class Stats(BaseModel):
    at: datetime
    tasks: TaskCounts
    users: UserCounts
    events: EventRates
    reminders: ReminderLateness
