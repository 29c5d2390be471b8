"""Routes only the runtime may call (subscription deliveries, job triggers, bindings) refuse
everyone else: 401 without the app API token or with a wrong one, on every app; the embedded
gateway never routes them in from outside. Regression for forged reminders and dead letters."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlmodel import Session, select

from backend_services.audit_service.models import DeadLetter
from backend_services.platform.app_support import shared_engine
from backend_services.platform.runtime_guard import APP_TOKEN_HEADER, is_runtime_path
from backend_services.platform.sidecar_runtime import SidecarRuntime
from launch.embedded import EmbeddedGateway, create_embedded_app
from launch.services import BACKEND_SERVICES
from tests.support.embedded_env import make_settings

pytestmark = pytest.mark.anyio

FORGED_EVENT = {
    "specversion": "1.0",
    "id": "forged-1",
    "source": "attacker",
    "type": "todo.notification.created.v1",
    "datacontenttype": "application/json",
    "data": {"user_id": "alice", "body": "session expired: sign in at https://evil.example"},
}


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[EmbeddedGateway]:
    """The whole embedded product, chat UI included (its notification route is the target)."""
    gw = create_embedded_app(make_settings(tmp_path), with_ui=True)
    async with gw.running():
        yield gw


def runtime_routes(app: Any) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if isinstance(route, APIRoute) and is_runtime_path(route.path):
            path = re.sub(r"\{[^}]+\}", "x", route.path)
            for method in sorted(route.methods or []):
                found.append((method, path))
    return found


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app")


async def test_every_runtime_route_refuses_callers_without_the_app_token(
    gateway: EmbeddedGateway,
) -> None:
    seen: set[str] = set()
    for app_id, app in gateway.apps.items():
        async with client_for(app) as client:
            for method, path in runtime_routes(app):
                seen.add(path)
                for headers in ({}, {APP_TOKEN_HEADER: "wrong"}, {APP_TOKEN_HEADER: ""}):
                    resp = await client.request(method, path, json=FORGED_EVENT, headers=headers)
                    assert resp.status_code == 401, (app_id, method, path, headers)
                    assert resp.json()["error"] == "unauthorized"
            # the runtime's own token passes (the same header daprd sends)
            ok = await client.get(
                "/dapr/subscribe", headers={APP_TOKEN_HEADER: gateway.runtime.app_token}
            )
            assert ok.status_code in (200, 404), app_id
    assert {
        "/events/notification",
        "/events/task",
        "/events/reminder",
        "/events/dead-letters/reminders",
        "/job/x",
        "/reminder-sweep",
        "/dapr/subscribe",
    } <= seen


async def test_the_gateway_never_routes_runtime_paths(gateway: EmbeddedGateway) -> None:
    token = {APP_TOKEN_HEADER: gateway.runtime.app_token}
    async with client_for(gateway) as client:
        for path in (
            "/events/notification",
            "/events/dead-letters/reminders",
            "/dapr/subscribe",
            "/job/reminder-abc",
            "/reminder-sweep",
        ):
            # not even with the right token: the runtime calls apps directly, never from outside
            resp = await client.post(path, json=FORGED_EVENT, headers=token)
            assert resp.status_code == 404, path
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/tasks")).status_code == 401  # public API still routed


async def test_a_forged_dead_letter_is_not_stored(gateway: EmbeddedGateway, tmp_path: Path) -> None:
    audit = gateway.apps["audit-service"]
    async with client_for(audit) as client:
        resp = await client.post("/events/dead-letters/reminders", json=FORGED_EVENT)
    assert resp.status_code == 401
    engine = shared_engine(make_settings(tmp_path).resolved_database_url())
    with Session(engine) as session:
        assert list(session.exec(select(DeadLetter))) == []


async def test_a_sidecar_without_a_configured_token_refuses_every_runtime_call(
    tmp_path: Path,
) -> None:
    """Fail closed: with APP_API_TOKEN unset, nothing (not even an empty header) gets in."""
    settings = make_settings(tmp_path)
    for factory in BACKEND_SERVICES.values():
        app = factory(settings, SidecarRuntime(1, app_token=None))
        async with client_for(app) as client:
            for method, path in runtime_routes(app):
                for headers in ({}, {APP_TOKEN_HEADER: ""}, {APP_TOKEN_HEADER: "None"}):
                    resp = await client.request(method, path, json={}, headers=headers)
                    assert resp.status_code == 401, (method, path)


async def test_a_sidecar_with_a_token_accepts_exactly_that_token(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    app = BACKEND_SERVICES["reminder-service"](settings, SidecarRuntime(1, app_token="s3cret"))
    async with client_for(app) as client:
        assert (
            await client.get("/dapr/subscribe", headers={APP_TOKEN_HEADER: "s3cret"})
        ).is_success
        assert (
            await client.get("/dapr/subscribe", headers={APP_TOKEN_HEADER: "s3cre"})
        ).status_code == 401
        assert (await client.get("/healthz")).status_code == 200  # probes need no token


async def test_the_public_listener_of_a_sidecar_app_has_no_runtime_routes(tmp_path: Path) -> None:
    """Kubernetes: the Service and Ingress reach the public port only; daprd the other."""
    from launch.serve import by_listener

    app = BACKEND_SERVICES["reminder-service"](
        make_settings(tmp_path), SidecarRuntime(1, app_token="s3cret")
    )
    split = by_listener(app, public_port=8000)
    token = {APP_TOKEN_HEADER: "s3cret"}
    transport = httpx.ASGITransport(app=split)
    async with httpx.AsyncClient(transport=transport, base_url="http://pod:8000") as public:
        assert (await public.get("/dapr/subscribe", headers=token)).status_code == 404
        assert (await public.post("/reminder-sweep", headers=token)).status_code == 404
        assert (await public.get("/healthz")).status_code == 200
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8001") as side:
        assert (await side.get("/dapr/subscribe", headers=token)).status_code == 200
        assert (await side.get("/dapr/subscribe")).status_code == 401
