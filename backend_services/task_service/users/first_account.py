"""Someone can always sign in: `todo up` and `todo stack up` both make the first account here."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import Engine

from backend_services.platform.db import new_session
from backend_services.platform.settings import Settings, private_file
from backend_services.task_service.users import service as users

FIRST_LOGIN_FILE = "first-login.txt"


def ensure_first_account(settings: Settings, engine: Engine, note_dir: Path) -> str | None:
    """An admin from TODO_ADMIN_* and, while no account has a password, a generated password
    for 'demo' (never a fixed default), written to `note_dir`/first-login.txt (0600). Returns
    the line to print once, or None when accounts already exist."""
    with new_session(engine) as session:
        admin = settings.admin_username
        if admin and settings.admin_password and session.get(users.User, admin.lower()) is None:
            users.create_user(session, admin, password=settings.admin_password, role="admin")
        if any(u.password_hash for u in users.list_users(session)):
            return None
        password = secrets.token_urlsafe(9)
        user = users.ensure_user(session, "demo")
        users.set_password(session, user.id, password)
    note = private_file(note_dir, FIRST_LOGIN_FILE)
    note.write_text(f"username: demo\npassword: {password}\n")
    return f"First start: sign in as 'demo' with password '{password}' (saved in {note})."
