"""The Dapr port: the one interface services use for invoke, pub/sub, state, secrets and jobs.

Two implementations: `EmbeddedRuntime` (one process, in-process delivery) and
`SidecarRuntime` (a daprd next to the process). Nothing above this module knows which runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from backend_services.contracts import CloudEvent


@dataclass(frozen=True)
class InvokeResult:
    status_code: int
    body: Any
    headers: dict[str, str]

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300


class StateConflict(Exception):
    """The ETag given no longer matches the stored value."""


class RuntimeUnavailable(Exception):
    """The building block could not be reached (sidecar down, broker down...)."""


BulkEntry = tuple[CloudEvent, str | None]
"""One entry of a bulk publish: the event and its partition key (None: no key)."""


class Runtime(Protocol):
    @property
    def invocation(self) -> str:
        """How service invocation travels, in words (the admin health report says it)."""
        ...

    @property
    def app_token(self) -> str | None:
        """The token this runtime presents (header `dapr-api-token`) when it calls the app:
        deliveries, job triggers, bindings. None: not configured (such calls are refused)."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def invoke(
        self,
        app_id: str,
        method: str,
        *,
        http_method: str = "GET",
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> InvokeResult: ...

    async def publish(
        self, pubsub: str, topic: str, event: CloudEvent, *, partition_key: str | None = None
    ) -> None: ...

    async def publish_bulk(self, pubsub: str, topic: str, entries: list[BulkEntry]) -> set[str]:
        """Publish `entries` to one topic in one request, each with its own partition key.
        Returns the ids of the events that were NOT published (empty: all were). Not
        transactional: some may fail while others succeed. Raises RuntimeUnavailable when the
        request as a whole failed (then none may be assumed published)."""
        ...

    async def get_state(self, store: str, key: str) -> tuple[Any, str | None]: ...

    async def save_state(
        self, store: str, key: str, value: Any, *, etag: str | None = None
    ) -> None: ...

    async def delete_state(self, store: str, key: str, *, etag: str | None = None) -> None: ...

    async def get_secret(self, store: str, key: str) -> str: ...

    async def schedule_job(
        self, name: str, due_at: datetime, data: dict[str, Any], *, overwrite: bool = True
    ) -> None: ...

    async def get_job(self, name: str) -> dict[str, Any] | None: ...

    async def delete_job(self, name: str) -> None: ...
