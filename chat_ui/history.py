"""Chat history: Chainlit's SQLAlchemy data layer on the application's own database.

The tables are created by our Alembic migration 0002 (Chainlit creates none). The data layer
needs an async driver: SQLite through aiosqlite, PostgreSQL through psycopg 3 (its async mode;
asyncpg is not installed).
"""

from __future__ import annotations

from typing import Any

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


# Chainlit names a thread after its first interaction: the message's text, or for a click
# the action's name (`panel_complete`), which is no name for a person's chat history
THREAD_NAMES_FOR_ACTIONS = {
    "panel_complete": "Task panel",
    "mark_done": "Reminder",
    "snooze": "Reminder",
}


class HistoryDataLayer(SQLAlchemyDataLayer):
    """Chainlit's data layer; a thread begun by a click is named for what was clicked."""

    async def update_thread(
        self,
        thread_id: str,
        name: str | None = None,
        user_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        tags: list[str] | None = None,
    ) -> None:
        name = THREAD_NAMES_FOR_ACTIONS.get(name, name) if name is not None else None
        await super().update_thread(thread_id, name, user_id, metadata, tags)

    async def get_thread_author(self, thread_id: str) -> str:
        """ "" for an unknown thread, which Chainlit's ownership check answers with 404 (its
        own raised ValueError: a 500 on every `/project/thread*` with an unknown id)."""
        try:
            return await super().get_thread_author(thread_id)
        except ValueError:
            return ""


def build_data_layer(settings: Settings) -> SQLAlchemyDataLayer:
    url = async_database_url(settings.resolved_database_url())
    connect_args: dict[str, object] = {}
    if url.startswith("sqlite"):
        # The app's own (sync) engine writes to the same file: wait for its locks.
        connect_args["timeout"] = 30
    return HistoryDataLayer(conninfo=url, connect_args=connect_args, user_thread_limit=200)


def forget_user(engine: Engine, user_id: str) -> None:
    """A deleted account's chat history (on `UserDeleted`): its threads (their steps, elements
    and feedback follow by foreign key, migration 0002) and Chainlit's row for it. Every
    chat-ui replica hears the event; deleting twice is harmless."""
    with engine.begin() as conn:
        conn.execute(text('DELETE FROM threads WHERE "userIdentifier" = :u'), {"u": user_id})
        conn.execute(text("DELETE FROM users WHERE identifier = :u"), {"u": user_id})
