"""Alembic environment: the URL comes from the caller (see platform/migrate.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from backend_services.tables import metadata

config = context.config


def run() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _migrate(connectable)
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section) or {},
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        _migrate(connection)


# Chainlit's chat-history tables are created by migration 0002 but are not SQLModel models.
CHAINLIT_TABLES = {"users", "threads", "steps", "elements", "feedbacks"}


def _ours(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    return not (type_ == "table" and name in CHAINLIT_TABLES)


def _migrate(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        include_object=_ours,
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
