"""A running embedded product for tests: every service app, the embedded runtime, a client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from backend_services.platform.app_support import shared_engine
from backend_services.platform.auth import TokenSigner
from backend_services.platform.db import session_scope
from backend_services.platform.secrets_file import AUTH_SIGNING_KEY, read_local_secret
from backend_services.platform.settings import Settings
from backend_services.task_service.users import service as users
from launch.embedded import EmbeddedGateway, create_embedded_app

T = TypeVar("T")


@dataclass
class EmbeddedEnv:
    settings: Settings
    gateway: EmbeddedGateway
    client: httpx.AsyncClient

    @property
    def runtime(self) -> Any:
        return self.gateway.runtime

    @property
    def engine(self) -> Any:
        return shared_engine(self.settings.resolved_database_url())

    def signer(self) -> TokenSigner:
        path = self.settings.resolved_secrets_file()
        return TokenSigner(read_local_secret(path, AUTH_SIGNING_KEY))

    def user(
        self, name: str, tz: str = "UTC", *, role: str = "user", password: str | None = None
    ) -> dict[str, str]:
        """Ensure the user exists; return request headers carrying a token for them."""
        with session_scope(self.engine) as session:
            user = session.get(users.User, name)
            if user is None:
                user = users.create_user(session, name, timezone=tz, role=role, password=password)
        token = self.signer().issue(name, "admin" if role == "admin" else "user", 600)
        return {"authorization": f"Bearer {token}"}


def make_settings(data_dir: Path, database_url: str | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "outbox_poll_seconds": 0.2,
        "reminder_sweep_seconds": 3600.0,
        "reminder_sweep_grace_seconds": 0.0,  # tests call the sweep themselves
        **overrides,
    }
    return Settings(**values)


@asynccontextmanager
async def embedded_env(settings: Settings, *, with_ui: bool = False) -> AsyncIterator[EmbeddedEnv]:
    gateway = create_embedded_app(settings, with_ui=with_ui)
    gateway.runtime.delivery_retry_delay = 0.01
    try:
        async with gateway.running():
            transport = httpx.ASGITransport(app=gateway)
            async with httpx.AsyncClient(transport=transport, base_url="http://todo") as client:
                yield EmbeddedEnv(settings, gateway, client)
    finally:
        # the engine is cached per URL for the process: close its idle connections, or a
        # session of PostgreSQL tests (a fresh database each) runs out of server slots
        shared_engine(settings.resolved_database_url()).dispose()


async def eventually(
    check: Callable[[], Awaitable[T | None]], timeout: float = 60.0, what: str = "condition"
) -> T:
    """Poll `check` until it returns something truthy (no timing assertions: a deadline)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
