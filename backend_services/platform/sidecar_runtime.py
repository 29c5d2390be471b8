"""The sidecar implementation of the Dapr port: a daprd next to this process.

Publish, state and secrets go through the Dapr Python SDK (one async gRPC client per process,
opened at start). Service invocation and the Jobs API use daprd's HTTP API: invocation is
plain HTTP by nature, and HTTP jobs carry JSON `data`, which is exactly the body daprd posts
back to `/job/{name}` (the SDK wraps job data in a protobuf Any).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from typing import Any

import grpc
import httpx
from dapr.aio.clients import DaprClient
from dapr.clients import BulkPublishEntry
from dapr.clients.grpc._state import Concurrency, StateOptions

from backend_services.contracts import CloudEvent
from backend_services.platform.runtime import (
    BulkEntry,
    InvokeResult,
    RuntimeUnavailable,
    StateConflict,
)
from backend_services.platform.telemetry import tracing

log = logging.getLogger("todo.sidecar")


def wait_for_sidecar(http_port: int, timeout: float = 120.0) -> None:
    """Block until daprd's outbound side (components, secrets, pub/sub) is ready."""
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{http_port}/v1.0/healthz/outbound"
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 204:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeUnavailable(f"daprd on port {http_port} not ready after {timeout:.0f}s")
        time.sleep(0.25)


def read_secret_sync(http_port: int, store: str, key: str) -> str:
    resp = httpx.get(f"http://127.0.0.1:{http_port}/v1.0/secrets/{store}/{key}", timeout=10)
    resp.raise_for_status()
    return str(resp.json()[key])


class SidecarRuntime:
    invocation = "Dapr service invocation (daprd)"

    def __init__(self, http_port: int, grpc_port: int, app_token: str | None = None) -> None:
        self.http_port = http_port
        self.grpc_port = grpc_port
        self.app_token = app_token or None  # daprd's APP_API_TOKEN: what it sends to us
        self._client: DaprClient | None = None
        self._http: httpx.AsyncClient | None = None

    async def start(self) -> None:
        if self._client is not None:
            return
        self._client = DaprClient(address=f"127.0.0.1:{self.grpc_port}")
        self._http = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{self.http_port}",
            timeout=httpx.Timeout(30, connect=5),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()  # type: ignore[no-untyped-call]
        if self._http is not None:
            await self._http.aclose()
        self._client = self._http = None

    @property
    def client(self) -> DaprClient:
        if self._client is None:
            raise RuntimeUnavailable("sidecar runtime not started")
        return self._client

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            raise RuntimeUnavailable("sidecar runtime not started")
        return self._http

    async def invoke(
        self,
        app_id: str,
        method: str,
        *,
        http_method: str = "GET",
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> InvokeResult:
        # daprd continues the trace from `traceparent` and forwards it to the callee
        with tracing.client_span(f"invoke {app_id}", _invoke_attributes(app_id)) as trace_headers:
            try:
                resp = await self.http.request(
                    http_method,
                    f"/v1.0/invoke/{app_id}/method/{method.lstrip('/')}",
                    json=json,
                    params=params,
                    headers={**(headers or {}), **trace_headers},
                )
            except httpx.HTTPError as exc:
                raise RuntimeUnavailable(f"invoke {app_id}/{method}: {exc}") from exc
        is_json = "json" in resp.headers.get("content-type", "")
        body: Any = resp.json() if resp.content and is_json else resp.text
        return InvokeResult(resp.status_code, body, dict(resp.headers))

    async def publish(
        self, pubsub: str, topic: str, event: CloudEvent, *, partition_key: str | None = None
    ) -> None:
        metadata = {"partitionKey": partition_key} if partition_key else {}
        try:
            await self.client.publish_event(
                pubsub_name=pubsub,
                topic_name=topic,
                data=event.model_dump_json(exclude_none=True),
                data_content_type="application/cloudevents+json",
                publish_metadata=metadata,
            )
        except grpc.RpcError as exc:
            raise RuntimeUnavailable(f"publish to {topic}: {_grpc_detail(exc)}") from exc

    async def publish_bulk(self, pubsub: str, topic: str, entries: list[BulkEntry]) -> set[str]:
        """Dapr bulk publish (gRPC BulkPublishEvent): one request, per-entry `partitionKey`
        metadata so each user's events keep their Kafka partition; the entry id is the event
        id, so `failedEntries` name the events that were not published."""
        if not entries:
            return set()
        data = [
            BulkPublishEntry(
                event=event.model_dump_json(exclude_none=True),
                metadata={"partitionKey": key} if key else None,
                content_type="application/cloudevents+json",
                entry_id=event.id,
            )
            for event, key in entries
        ]
        try:
            resp = await self.client.publish_events(pubsub_name=pubsub, topic_name=topic, data=data)
        except grpc.RpcError as exc:
            raise RuntimeUnavailable(f"bulk publish to {topic}: {_grpc_detail(exc)}") from exc
        failed = {entry.entry_id for entry in resp.failed_entries}
        if failed:
            first = resp.failed_entries[0]
            log.warning(
                "bulk publish to %s: %d of %d entries failed (first: %s)",
                topic,
                len(failed),
                len(entries),
                first.error,
            )
        return failed

    async def get_state(self, store: str, key: str) -> tuple[Any, str | None]:
        resp = await self.client.get_state(store_name=store, key=key)
        if not resp.data:
            return None, None
        return json.loads(resp.data), resp.etag or None

    async def save_state(
        self, store: str, key: str, value: Any, *, etag: str | None = None
    ) -> None:
        try:
            await self.client.save_state(
                store_name=store,
                key=key,
                value=json.dumps(value),
                etag=etag,
                options=StateOptions(concurrency=Concurrency.first_write) if etag else None,
            )
        except grpc.RpcError as exc:
            if etag is not None and _is_conflict(exc):
                raise StateConflict(key) from exc
            raise

    async def delete_state(self, store: str, key: str, *, etag: str | None = None) -> None:
        try:
            await self.client.delete_state(store_name=store, key=key, etag=etag)
        except grpc.RpcError as exc:
            if etag is not None and _is_conflict(exc):
                raise StateConflict(key) from exc
            raise

    async def get_secret(self, store: str, key: str) -> str:
        resp = await self.client.get_secret(store_name=store, key=key)
        return str(resp.secret[key])

    async def schedule_job(
        self, name: str, due_at: datetime, data: dict[str, Any], *, overwrite: bool = True
    ) -> None:
        body = {
            "dueTime": due_at.isoformat(),
            "data": data,
            "overwrite": overwrite,
            "failurePolicy": {"constant": {"interval": "1s", "maxRetries": 5}},
        }
        with tracing.client_span("schedule job", {"rpc.system": "dapr"}) as trace_headers:
            resp = await self.http.post(f"/v1.0/jobs/{name}", json=body, headers=trace_headers)
        if resp.status_code >= 300:
            raise RuntimeUnavailable(f"schedule job {name}: {resp.status_code} {resp.text[:200]}")

    async def get_job(self, name: str) -> dict[str, Any] | None:
        resp = await self.http.get(f"/v1.0/jobs/{name}")
        if resp.status_code in (404, 500) and "not found" in resp.text.lower():
            return None
        if resp.status_code >= 300:
            raise RuntimeUnavailable(f"get job {name}: {resp.status_code} {resp.text[:200]}")
        result: dict[str, Any] = resp.json()
        return result

    async def delete_job(self, name: str) -> None:
        with tracing.client_span("delete job", {"rpc.system": "dapr"}) as trace_headers:
            resp = await self.http.delete(f"/v1.0/jobs/{name}", headers=trace_headers)
        if resp.status_code >= 300 and "not found" not in resp.text.lower():
            raise RuntimeUnavailable(f"delete job {name}: {resp.status_code} {resp.text[:200]}")


def _invoke_attributes(app_id: str) -> dict[str, str]:
    # the callee's route would name the span better, but `method` holds ids: the app-id only
    return {"rpc.system": "dapr", "rpc.service": app_id}


def _grpc_detail(exc: grpc.RpcError) -> str:
    details = getattr(exc, "details", None)
    return str(details()) if callable(details) else str(exc)


def _is_conflict(exc: grpc.RpcError) -> bool:
    code = getattr(exc, "code", None)
    return callable(code) and code() in (
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.FAILED_PRECONDITION,
    )
