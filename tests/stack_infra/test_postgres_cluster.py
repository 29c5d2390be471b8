"""start_cluster/stop_cluster give a throwaway PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.stack import postgres
from devtools.stack.ports import free_port

pytestmark = pytest.mark.stack


def test_throwaway_cluster(tmp_path: Path) -> None:
    psycopg = pytest.importorskip("psycopg")
    directory = tmp_path / "pg"
    dsn = postgres.start_cluster(directory, free_port())
    try:
        assert dsn.startswith("postgresql://todo:")
        assert postgres.start_cluster(directory, free_port()) == dsn  # idempotent
        extra = postgres.create_database(directory, "todo_test_extra")
        for url in (dsn, extra):
            with psycopg.connect(url) as conn:
                assert conn.execute("select current_user").fetchone() == ("todo",)
    finally:
        assert postgres.stop_cluster(directory)
    assert not postgres.is_running(directory)
