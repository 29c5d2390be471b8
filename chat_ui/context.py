"""What the Chainlit handlers need, set once by `create_app`.

Chainlit loads its handler file by path and calls module-level functions, so the handlers
reach the app's services through this holder instead of through arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.service import Agent
from backend_services.platform.app_support import AppContext
from backend_services.platform.auth import AccountStamp
from chat_ui.notifier import SessionRegistry


@dataclass
class ChatContext:
    app: AppContext
    agent: Agent
    sessions: SessionRegistry = field(default_factory=SessionRegistry)

    def user_token(self, user_id: str, role: str, account: AccountStamp) -> str:
        """A short-lived token for this user, minted for each turn or action, bound to the
        account the session signed in (`account`: refused once that account is gone,
        reset or disabled)."""
        signer = self.app.tokens()
        return signer.issue(
            user_id,
            "admin" if role == "admin" else "user",
            self.app.settings.user_token_ttl_seconds,
            account=account,
        )


_current: ChatContext | None = None


def set_current(ctx: ChatContext) -> None:
    global _current
    _current = ctx


def current() -> ChatContext:
    if _current is None:
        raise RuntimeError("chat UI used before create_app()")
    return _current
