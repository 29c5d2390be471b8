"""Deleting an account: revoke and purge, so that a name created again starts empty.

An account's id is its username. task-service removes, in one transaction, what it owns:
personal access tokens, OAuth grants, the account, and its tasks (each with its
`TaskDeleted`, so reminders are cancelled and the audit log records it, through
`tasks.service`); and it stages
`UserDeleted`, on which every other service forgets what it holds for the user:
notification-service its notifications, chat-ui the Chainlit chat history. Signed tokens and
chat sessions of the deleted account are refused by `kernel/principals.py` even when the name
is created again within the same second: they are bound to the old account's creation time
(`acct`, in microseconds); an unbound token is refused when issued before `created_at`.
The audit log and the admin action log keep their history: they are records, not data the
user sees.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, col

from backend_services.contracts import UserDeleted
from backend_services.kernel.tokens import PersonalToken
from backend_services.platform.outbox import add_event
from backend_services.platform.timeutil import utcnow
from backend_services.task_service.tasks import calendar_feed
from backend_services.task_service.tasks import service as tasks
from backend_services.task_service.users import oauth
from backend_services.task_service.users import service as users


def delete_account(session: Session, username: str) -> dict[str, int]:
    """Purge `username` and what task-service holds of it, in one transaction; returns
    counts. Other services purge theirs when `UserDeleted` reaches them."""
    user = users.get_user(session, username)
    removed = tasks.stage_deleting_all(session, user.id)
    calendar_feed.stage_deleting(session, user.id)
    revoked = session.execute(
        delete(PersonalToken).where(col(PersonalToken.user_id) == user.id)
    ).rowcount  # type: ignore[attr-defined]
    revoked += oauth.delete_for_user(session, user.id)
    add_event(session, UserDeleted(user_id=user.id, deleted_at=utcnow()), source=tasks.SOURCE)
    session.delete(user)
    session.commit()
    return {"tasks": removed, "tokens": int(revoked)}
