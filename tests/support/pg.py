"""A throwaway PostgreSQL server (Debian's binaries) for the data-layer tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devtools.stack import postgres
from devtools.stack.ports import free_port


@contextmanager
def pg_server(directory: Path) -> Iterator[Path]:
    postgres.start_cluster(directory, free_port())
    try:
        yield directory
    finally:
        postgres.stop_cluster(directory, mode="immediate")


def fresh_database(directory: Path) -> str:
    url = postgres.create_database(directory, f"t_{uuid.uuid4().hex[:12]}")
    return url.replace("postgresql://", "postgresql+psycopg://", 1)
