"""The sidecar implementation of the Dapr port: a daprd next to this process.

Everything goes through daprd's HTTP API on one pooled HTTP/1.1 client per process: service
invocation, publish (single and bulk), state with ETags, secrets and the Jobs API (HTTP jobs
carry JSON `data`, which is exactly the body daprd posts back to `/job/{name}`). The Dapr
Python SDK's gRPC client is not used: it added ~24 MB to every service's memory and a
polling thread, for calls that HTTP makes as well (docs/benchmarks.md, memory).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

import httpx

from backend_services.contracts import CloudEvent
from backend_services.platform.runtime import (
    BulkEntry,
    InvokeResult,
    RuntimeUnavailable,
    StateConflict,
)
from backend_services.platform.service_paths import checked_path, service_path
from backend_services.platform.telemetry import tracing

log = logging.getLogger("todo.sidecar")
CLOUDEVENT_JSON = "application/cloudevents+json"


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
    url = f"http://127.0.0.1:{http_port}{_dapr_path('v1.0', 'secrets', store, key)}"
    resp = httpx.get(url, timeout=10)
    resp.raise_for_status()
    return str(resp.json()[key])


class SidecarRuntime:
    invocation = "Dapr service invocation (daprd)"

    def __init__(self, http_port: int, app_token: str | None = None) -> None:
        self.http_port = http_port
        self.app_token = app_token or None  # daprd's APP_API_TOKEN: what it sends to us
        self._http: httpx.AsyncClient | None = None

    async def start(self) -> None:
        if self._http is not None:
            return
        self._http = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{self.http_port}",
            timeout=httpx.Timeout(30, connect=5),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        self._http = None

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
        # every segment of `method` was encoded by service_path: UnsafePath before sending
        target = f"{_dapr_path('v1.0', 'invoke', app_id, 'method')}/{checked_path(method)}"
        # daprd continues the trace from `traceparent` and forwards it to the callee
        with tracing.client_span(f"invoke {app_id}", _invoke_attributes(app_id)) as trace_headers:
            try:
                resp = await self.http.request(
                    http_method,
                    target,
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
        params = {"metadata.partitionKey": partition_key} if partition_key else None
        try:
            resp = await self.http.post(
                _dapr_path("v1.0", "publish", pubsub, topic),
                content=event.model_dump_json(exclude_none=True),
                params=params,
                headers={"content-type": CLOUDEVENT_JSON},
            )
        except httpx.HTTPError as exc:
            raise RuntimeUnavailable(f"publish to {topic}: {exc}") from exc
        if resp.status_code >= 300:
            raise RuntimeUnavailable(f"publish to {topic}: {_detail(resp)}")

    async def publish_bulk(self, pubsub: str, topic: str, entries: list[BulkEntry]) -> set[str]:
        """Dapr bulk publish: one request, per-entry `partitionKey` metadata so each user's
        events keep their Kafka partition; the entry id is the event id, so `failedEntries`
        name the events that were not published."""
        if not entries:
            return set()
        body = [
            {
                "entryId": event.id,
                "event": event.model_dump(mode="json", exclude_none=True),
                "contentType": CLOUDEVENT_JSON,
                **({"metadata": {"partitionKey": key}} if key else {}),
            }
            for event, key in entries
        ]
        try:
            resp = await self.http.post(
                _dapr_path("v1.0-alpha1", "publish", "bulk", pubsub, topic), json=body
            )
        except httpx.HTTPError as exc:
            raise RuntimeUnavailable(f"bulk publish to {topic}: {exc}") from exc
        if resp.status_code < 300:
            return set()
        failed_entries = _json_or_empty(resp).get("failedEntries")
        if not isinstance(failed_entries, list) or not failed_entries:
            raise RuntimeUnavailable(f"bulk publish to {topic}: {_detail(resp)}")
        failed = {str(entry.get("entryId")) for entry in failed_entries}
        log.warning(
            "bulk publish to %s: %d of %d entries failed (first: %s)",
            topic,
            len(failed),
            len(entries),
            failed_entries[0].get("error"),
        )
        return failed

    async def get_state(self, store: str, key: str) -> tuple[Any, str | None]:
        try:
            resp = await self.http.get(_dapr_path("v1.0", "state", store, key))
        except httpx.HTTPError as exc:
            raise RuntimeUnavailable(f"get state {key}: {exc}") from exc
        if resp.status_code == 204 or (resp.status_code == 200 and not resp.content):
            return None, None
        if resp.status_code >= 300:
            raise RuntimeUnavailable(f"get state {key}: {_detail(resp)}")
        return resp.json(), resp.headers.get("etag") or None

    async def save_state(
        self, store: str, key: str, value: Any, *, etag: str | None = None
    ) -> None:
        _dapr_path("v1.0", "state", store, key)  # a path segment when read: refused alike
        item: dict[str, Any] = {"key": key, "value": value}
        if etag is not None:  # first-write: the save fails if another one came first
            item |= {"etag": etag, "options": {"concurrency": "first-write"}}
        try:
            resp = await self.http.post(_dapr_path("v1.0", "state", store), json=[item])
        except httpx.HTTPError as exc:
            raise RuntimeUnavailable(f"save state {key}: {exc}") from exc
        self._state_outcome(resp, key, etag)

    async def delete_state(self, store: str, key: str, *, etag: str | None = None) -> None:
        headers = {"if-match": etag} if etag is not None else None
        params = {"concurrency": "first-write"} if etag is not None else None
        try:
            resp = await self.http.delete(
                _dapr_path("v1.0", "state", store, key), headers=headers, params=params
            )
        except httpx.HTTPError as exc:
            raise RuntimeUnavailable(f"delete state {key}: {exc}") from exc
        self._state_outcome(resp, key, etag)

    @staticmethod
    def _state_outcome(resp: httpx.Response, key: str, etag: str | None) -> None:
        if resp.status_code < 300:
            return
        if etag is not None and resp.status_code == 409:  # daprd: the ETag no longer matches
            raise StateConflict(key)
        raise RuntimeUnavailable(f"state {key}: {_detail(resp)}")

    async def get_secret(self, store: str, key: str) -> str:
        try:
            resp = await self.http.get(_dapr_path("v1.0", "secrets", store, key))
        except httpx.HTTPError as exc:
            raise RuntimeUnavailable(f"get secret {key}: {exc}") from exc
        if resp.status_code >= 300:
            raise RuntimeUnavailable(f"get secret {key}: {_detail(resp)}")
        return str(resp.json()[key])

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
            resp = await self.http.post(
                _dapr_path("v1.0", "jobs", name), json=body, headers=trace_headers
            )
        if resp.status_code >= 300:
            raise RuntimeUnavailable(f"schedule job {name}: {resp.status_code} {resp.text[:200]}")

    async def get_job(self, name: str) -> dict[str, Any] | None:
        resp = await self.http.get(_dapr_path("v1.0", "jobs", name))
        if resp.status_code in (404, 500) and "not found" in resp.text.lower():
            return None
        if resp.status_code >= 300:
            raise RuntimeUnavailable(f"get job {name}: {resp.status_code} {resp.text[:200]}")
        result: dict[str, Any] = resp.json()
        return result

    async def delete_job(self, name: str) -> None:
        with tracing.client_span("delete job", {"rpc.system": "dapr"}) as trace_headers:
            resp = await self.http.delete(_dapr_path("v1.0", "jobs", name), headers=trace_headers)
        if resp.status_code >= 300 and "not found" not in resp.text.lower():
            raise RuntimeUnavailable(f"delete job {name}: {resp.status_code} {resp.text[:200]}")


def _dapr_path(*segments: str) -> str:
    """A daprd API path from data (store names, state keys, job names, topics): each segment
    encoded, and refused (UnsafePath) if it is, or decodes to, a dot segment or holds `/`."""
    return "/" + checked_path(service_path(*segments))


def _invoke_attributes(app_id: str) -> dict[str, str]:
    # the callee's route would name the span better, but `method` holds ids: the app-id only
    return {"rpc.system": "dapr", "rpc.service": app_id}


def _detail(resp: httpx.Response) -> str:
    return f"{resp.status_code} {resp.text[:300]}"


def _json_or_empty(resp: httpx.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
