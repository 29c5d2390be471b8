"""The Alembic-free "already at head?" check that lets `todo` and `todo up` skip Alembic."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from backend_services.platform.db import make_engine
from backend_services.platform.schema_check import ensure_schema, head_revision, is_current


def test_head_is_the_last_migration() -> None:
    from alembic.script import ScriptDirectory

    from backend_services.platform.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert head_revision() == script.get_current_head()


def test_current_only_at_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = make_engine(url)
    try:
        assert not is_current(engine)  # no alembic_version table yet
        ensure_schema(url, engine)
        assert is_current(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        assert not is_current(engine)  # behind: ensure_schema would run Alembic
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM alembic_version"))
        assert not is_current(engine)
    finally:
        engine.dispose()


def test_unreadable_migrations_mean_not_current(tmp_path: Path) -> None:
    (tmp_path / "0001_x.py").write_text("revision = '0001'\ndown_revision = None\n")
    (tmp_path / "0002_y.py").write_text("REVISION = compute()\n")
    assert head_revision(tmp_path) is None
    (tmp_path / "0002_y.py").write_text("revision = '0002'\ndown_revision = '0001'\n")
    assert head_revision(tmp_path) == "0002"
    (tmp_path / "0003_z.py").write_text("revision = '0003'\ndown_revision = '0001'\n")
    assert head_revision(tmp_path) is None  # two heads
