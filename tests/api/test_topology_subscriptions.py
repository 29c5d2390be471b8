"""launch/topology.py's SUBSCRIPTIONS are what the apps subscribe to: every app's
GET /dapr/subscribe (the programmatic subscriptions daprd reads) in the embedded product."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from backend_services.platform.runtime_guard import APP_TOKEN_HEADER
from launch import topology
from launch.embedded import EmbeddedGateway, create_embedded_app
from tests.support.embedded_env import make_settings

pytestmark = pytest.mark.anyio


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[EmbeddedGateway]:
    gw = create_embedded_app(make_settings(tmp_path), with_ui=True)
    async with gw.running():
        yield gw


async def test_the_apps_subscribe_to_what_the_topology_declares(gateway: EmbeddedGateway) -> None:
    found: set[topology.Subscription] = set()
    assert set(gateway.apps) == set(topology.APP_IDS)
    for app_id, app in gateway.apps.items():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            resp = await client.get(
                "/dapr/subscribe", headers={APP_TOKEN_HEADER: gateway.runtime.app_token}
            )
        if resp.status_code == 404:
            continue
        assert resp.status_code == 200, app_id
        found |= {
            topology.Subscription(app_id, item["pubsubname"], item["topic"]) for item in resp.json()
        }
    assert found == set(topology.SUBSCRIPTIONS)
