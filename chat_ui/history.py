"""Chat history: Chainlit's SQLAlchemy data layer on the application's own database.

The tables are created by our Alembic migration 0002 (Chainlit creates none). The data layer
needs an async driver: SQLite through aiosqlite, PostgreSQL through psycopg 3 (its async mode;
asyncpg is not installed).
"""

from __future__ import annotations

from chainlit.data.sql_alchemy import SQLAlchemyDataLayer
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from backend_services.platform.settings import Settings

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}


def async_database_url(sync_url: str) -> str:
    """`sqlite:///x.db` → `sqlite+aiosqlite:///x.db`; `postgresql[+driver]://…` →
    `postgresql+psycopg://…` (psycopg 3 serves both sync and async engines)."""
    url = make_url(sync_url)
    backend = url.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"no async driver known for {backend!r} databases")
    return url.set(drivername=_ASYNC_DRIVERS[backend]).render_as_string(hide_password=False)


def build_data_layer(settings: Settings) -> SQLAlchemyDataLayer:
    url = async_database_url(settings.resolved_database_url())
    connect_args: dict[str, object] = {}
    if url.startswith("sqlite"):
        # The app's own (sync) engine writes to the same file: wait for its locks.
        connect_args["timeout"] = 30
    return SQLAlchemyDataLayer(conninfo=url, connect_args=connect_args, user_thread_limit=200)


def forget_user(engine: Engine, user_id: str) -> None:
    """A deleted account's chat history (on `UserDeleted`): its threads (their steps, elements
    and feedback follow by foreign key, migration 0002) and Chainlit's row for it. Every
    chat-ui replica hears the event; deleting twice is harmless."""
    with engine.begin() as conn:
        conn.execute(text('DELETE FROM threads WHERE "userIdentifier" = :u'), {"u": user_id})
        conn.execute(text("DELETE FROM users WHERE identifier = :u"), {"u": user_id})
