"""Is the database already at the migrations' head? Answered without importing Alembic.

Importing Alembic and loading its script directory costs a few hundred milliseconds on every
`todo` command and every `todo up`, to find out, nearly always, that there is nothing to do.
This reads the head revision from the migration files and `alembic_version` from the
database; on any doubt (a file it cannot read, several heads, no table, an error) the answer
is "no" and the caller runs the real `upgrade`, which stays the only thing that migrates.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlalchemy import Engine, text

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
_ASSIGN = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE)


def head_revision(versions: Path = VERSIONS) -> str | None:
    """The single head revision, or None if the files do not say so unambiguously."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        found = dict(_ASSIGN.findall(path.read_text()))
        if "revision" not in found or "down_revision" not in found:
            return None
        try:
            revision = ast.literal_eval(found["revision"])
            down = ast.literal_eval(found["down_revision"])
        except (ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list):
            parents.update(str(d) for d in down)
        elif down is not None:
            return None
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def is_current(engine: Engine) -> bool:
    head = head_revision()
    if head is None:
        return False
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except Exception:  # no table yet, no database yet, ...: let Alembic sort it out
        return False
    return [row[0] for row in rows] == [head]


def ensure_schema(url: str, engine: Engine) -> None:
    """Migrate `url` to head unless `engine` (on the same database) shows it is there."""
    if is_current(engine):
        return
    from backend_services.platform.migrate import upgrade

    upgrade(url)
