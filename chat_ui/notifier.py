"""Live delivery of notifications to the chat sessions this process holds.

Each chat-ui replica subscribes to `task-updates` on the broadcast pub/sub (its own consumer
group), so every replica sees every notification and delivers it to the sessions it holds.
Notifications are stored by the notification service; anything not delivered live is shown
when the user next opens the chat.
"""

from __future__ import annotations

from collections import defaultdict


class SessionRegistry:
    def __init__(self) -> None:
        self._by_user: dict[str, set[str]] = defaultdict(set)

    def add(self, user_id: str, session_id: str) -> None:
        self._by_user[user_id].add(session_id)

    def remove(self, user_id: str, session_id: str) -> None:
        self._by_user[user_id].discard(session_id)
        if not self._by_user[user_id]:
            self._by_user.pop(user_id, None)

    def of(self, user_id: str) -> list[str]:
        return sorted(self._by_user.get(user_id, ()))
