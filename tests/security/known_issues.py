"""Bugs found by these suites in code this suite does not own, kept visible until fixed."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic.errors import PydanticUserError

REMINDERS_BUG = (
    "reminder-service GET /reminders: `admin_or_service` is local to create_app, so with "
    "`from __future__ import annotations` FastAPI cannot resolve the `_p` dependency: it becomes "
    "a query parameter (422 without it, 500 with it) and the app's OpenAPI cannot be built; "
    "move the dependency to module level (or use platform.app_support.require_admin)"
)

AUDIT_OFFSET_BUG = (
    "audit-service: `offset` of GET /audit and `letter_id` of POST /dead-letters/{letter_id}/* "
    "have no upper bound; a huge value overflows SQLite's INTEGER (500); bound them "
    "(le=1_000_000 / le=2**31-1)"
)

# app-id -> {substring of a fuzz failure line: why it is known}
KNOWN_FAILURES: dict[str, dict[str, str]] = {
    "audit-service": {
        "GET /audit [positive] Server error": AUDIT_OFFSET_BUG,
        "/dead-letters/{letter_id}/replay [positive] Server error": AUDIT_OFFSET_BUG,
        "/dead-letters/{letter_id}/discard [positive] Server error": AUDIT_OFFSET_BUG,
    },
    "task-service": {"GET /admin/reminders [": REMINDERS_BUG},
}


def openapi_or_none(app: FastAPI) -> dict[str, Any] | None:
    """The app's OpenAPI, or None when it cannot be built because of REMINDERS_BUG."""
    try:
        return app.openapi()
    except PydanticUserError:
        return None
