from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.embedded_env import EmbeddedEnv, embedded_env, make_settings
from tests.support.pg import fresh_database, pg_server


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Path]:
    # outside pytest's basetemp: concurrent pytest runs prune each other's old basetemps
    directory = Path(tempfile.mkdtemp(prefix="todo-test-pg-"))
    try:
        with pg_server(directory) as running:
            yield running
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    return fresh_database(request.getfixturevalue("pg_cluster"))


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[EmbeddedEnv]:
    async with embedded_env(make_settings(tmp_path)) as running:
        yield running


@pytest.fixture
async def db_env(tmp_path: Path, database_url: str | None) -> AsyncIterator[EmbeddedEnv]:
    """The embedded product on SQLite and on PostgreSQL."""
    async with embedded_env(make_settings(tmp_path, database_url)) as running:
        yield running
