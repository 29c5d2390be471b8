"""The agent's way to the task service: service invocation with the user's own token.

The token comes from the authenticated session; nothing the model says can change it.
Every id is checked as a UUID and every path built by `service_path` (each segment
percent-encoded): an id never walks the path, whoever passed it (tool, action, memory).
"""

from __future__ import annotations

import builtins
from typing import Any

from backend_services.contracts import AppId
from backend_services.platform.ids import check_uuid
from backend_services.platform.runtime import Runtime, RuntimeUnavailable
from backend_services.platform.service_paths import UnsafePath, service_path


class ToolError(Exception):
    """A failure to report back to the model (or the user) as data."""


class TaskClient:
    def __init__(self, runtime: Runtime, token: str) -> None:
        self.runtime = runtime
        self._headers = {"authorization": f"Bearer {token}"}

    async def call(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        try:
            result = await self.runtime.invoke(
                AppId.TASKS.value,
                path,
                http_method=method,
                json=json,
                params=params,
                headers=self._headers,
            )
        except RuntimeUnavailable as exc:
            raise ToolError("the task service is unavailable right now") from exc
        except UnsafePath as exc:  # the ids were checked: a path built by hand
            raise ToolError(f"refused: {exc}") from exc
        if result.ok:
            return result.body
        raise ToolError(_describe_error(result.status_code, result.body))

    async def me(self) -> dict[str, Any]:
        return dict(await self.call("GET", "me"))

    async def set_timezone(self, tz: str) -> dict[str, Any]:
        return dict(await self.call("PATCH", "me", json={"timezone": tz}))

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self.call("POST", "tasks", json=body))

    async def list(self, **params: Any) -> dict[str, Any]:
        clean = {k: v for k, v in params.items() if v is not None}
        return dict(await self.call("GET", "tasks", params=clean))

    async def lists(self) -> builtins.list[dict[str, Any]]:
        """The user's lists with their counts (the method `list` shadows the builtin here)."""
        return builtins.list(await self.call("GET", "lists"))

    async def get(self, task_id: str) -> dict[str, Any]:
        return dict(await self.call("GET", _task_path(task_id)))

    async def update(self, task_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self.call("PATCH", _task_path(task_id), json=body))

    async def complete(self, task_id: str) -> dict[str, Any]:
        return dict(await self.call("POST", _task_path(task_id, "complete")))

    async def reopen(self, task_id: str) -> dict[str, Any]:
        return dict(await self.call("POST", _task_path(task_id, "reopen")))

    async def delete(self, task_id: str) -> None:
        await self.call("DELETE", _task_path(task_id))

    async def add_reminder(self, task_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self.call("POST", _task_path(task_id, "reminders"), json=body))

    async def remove_reminder(self, task_id: str, reminder_id: str) -> dict[str, Any]:
        rid = _checked(reminder_id, "reminder id")
        return dict(await self.call("DELETE", _task_path(task_id, "reminders", rid)))


def _checked(value: str, what: str) -> str:
    try:
        return check_uuid(value, what)
    except ValueError as exc:
        raise ToolError(str(exc)) from exc


def _task_path(task_id: str, *rest: str) -> str:
    """`tasks/<task id>/...`, the id checked as a UUID and every segment encoded."""
    return service_path("tasks", _checked(task_id, "task id"), *rest)


def _describe_error(status: int, body: Any) -> str:
    if status == 404:
        return "no such task"
    if isinstance(body, dict):
        detail = body.get("detail")
        if isinstance(detail, list):  # FastAPI validation errors
            parts = []
            for err in detail[:3]:
                loc = ".".join(str(p) for p in err.get("loc", [])[1:]) or "input"
                parts.append(f"{loc}: {err.get('msg')}")
            return "invalid input - " + "; ".join(parts)
        if detail:
            return str(detail)
    if status == 429:
        return "too many requests; try again in a minute"
    return f"the task service answered {status}"
