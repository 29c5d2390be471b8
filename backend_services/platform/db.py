"""Engine and sessions. Tables are created by Alembic migrations (see `migrations/`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

POOL_SIZE = 24  # per process; the local stack's PostgreSQL allows 200 connections


def make_engine(url: str) -> Engine:
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if ":memory:" not in url and url.rstrip("/") != "sqlite:":
            # a file: a pool as large as the threads that use it (SQLAlchemy's default of 5
            # opened and closed overflow connections under load, each paying the pragmas)
            kwargs.update(pool_size=POOL_SIZE, max_overflow=10)
    else:
        # no pre-ping (a `SELECT 1` before every checkout was ~4 round trips per create):
        # connections are recycled before servers or proxies drop idle ones, and a
        # connection found dead invalidates the pool once (that request fails, the next
        # reconnects)
        # and a pool as large as the concurrency a service sees (anyio's 40 worker threads
        # at most): overflow connections are closed on return, and opening one costs a
        # PostgreSQL backend fork plus authentication, far more than the query it serves
        kwargs.update(pool_size=POOL_SIZE, max_overflow=10, pool_recycle=1800)
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def new_session(engine: Engine) -> Session:
    """A session for one service call (`with new_session(engine) as session:`).

    The rule for transactions: a service function owns its unit of work and commits it;
    routes, event handlers and the CLI call it and never commit. Closing the session rolls
    back whatever a failed call left uncommitted."""
    return Session(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction, committed on success, rolled back on any error: for the platform's
    own tables (the embedded runtime's state and jobs, the outbox relay). Domain writes go
    through a service function that commits (`new_session`)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
