"""Deleting an account: revoke and purge, so that a name created again starts empty.

An account's id is its username. Deleting it removes, in one transaction, everything that
would otherwise pass to the next account of the same name: personal access tokens, tasks
(each with its `TaskDeleted` event, so reminders are cancelled and the audit log records it),
stored notifications and the Chainlit chat history. Signed tokens minted before the new
account existed are refused by `users/principals.py` (issued before `created_at`).
The audit log and the admin action log keep their history: they are records, not data the
user sees.
"""

from __future__ import annotations

from sqlalchemy import delete, text
from sqlmodel import Session, col, select

from backend_services.contracts import TaskDeleted
from backend_services.notifications.models import Notification
from backend_services.platform.outbox import add_event
from backend_services.tasks import service as tasks
from backend_services.tasks.models import Task
from backend_services.users import service as users
from backend_services.users.tokens import PersonalToken


def delete_account(session: Session, username: str) -> dict[str, int]:
    """Purge `username` and everything it owns, in one transaction; returns counts."""
    user = users.get_user(session, username)
    owned = list(session.exec(select(Task).where(Task.user_id == user.id)))
    for task in owned:
        add_event(
            session,
            TaskDeleted(user_id=user.id, task=tasks.snapshot(task)),
            source=tasks.SOURCE,
        )
    session.execute(delete(Task).where(col(Task.user_id) == user.id))
    revoked = session.execute(
        delete(PersonalToken).where(col(PersonalToken.user_id) == user.id)
    ).rowcount  # type: ignore[attr-defined]
    notified = session.execute(
        delete(Notification).where(col(Notification.user_id) == user.id)
    ).rowcount  # type: ignore[attr-defined]
    # Chainlit's history (migration 0002): steps, elements and feedback follow their thread
    session.execute(text('DELETE FROM threads WHERE "userIdentifier" = :u'), {"u": user.id})
    session.execute(text("DELETE FROM users WHERE identifier = :u"), {"u": user.id})
    session.delete(user)
    session.commit()
    return {"tasks": len(owned), "tokens": int(revoked), "notifications": int(notified)}
