"""Conversation memory in the runtime's state store, per user and conversation:
recent turns and a pending confirmation, so "yes" works across processes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from backend_services.contracts import STATESTORE
from backend_services.platform.runtime import Runtime, StateConflict

MAX_TURNS = 20


class PendingAction(BaseModel):
    action: str
    task_id: str
    title: str


class Conversation(BaseModel):
    turns: list[dict[str, Any]] = Field(default_factory=list)
    pending: PendingAction | None = None
    last_task_id: str | None = None


class ConversationStore:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    @staticmethod
    def key(user_id: str, conversation_id: str) -> str:
        # daprd reserves "||" in keys (its app-id prefix separator)
        return f"conversation:{user_id}:{conversation_id}"

    async def load(self, user_id: str, conversation_id: str) -> tuple[Conversation, str | None]:
        value, etag = await self.runtime.get_state(STATESTORE, self.key(user_id, conversation_id))
        return (Conversation.model_validate(value) if value else Conversation()), etag

    async def save(
        self, user_id: str, conversation_id: str, convo: Conversation, etag: str | None
    ) -> None:
        convo.turns = convo.turns[-MAX_TURNS:]
        try:
            await self.runtime.save_state(
                STATESTORE,
                self.key(user_id, conversation_id),
                convo.model_dump(mode="json"),
                etag=etag,
            )
        except StateConflict:
            # another turn of the same conversation won; keep its state, add our turns
            latest, latest_etag = await self.load(user_id, conversation_id)
            latest.turns.extend(t for t in convo.turns if t not in latest.turns)
            latest.pending = convo.pending
            await self.runtime.save_state(
                STATESTORE,
                self.key(user_id, conversation_id),
                latest.model_dump(mode="json"),
                etag=latest_etag,
            )
