"""Conversation memory in the runtime's state store, per user and conversation: recent turns
with their tool calls and results (so "it", "the second one" have something to refer to), the
tasks last listed and last acted on, and a pending confirmation, so "yes" works across processes.

Turns are bounded by a token budget. They are trimmed oldest first in whole groups, a group
being a user message and everything up to the next one, so an assistant tool-call message is
never kept without its tool results or the other way round (servers refuse orphans)."""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import BaseModel, Field

from backend_services.contracts import STATESTORE
from backend_services.platform.runtime import Runtime, StateConflict

log = logging.getLogger("todo.agent.memory")

TOKEN_BUDGET = 6000
SAVE_ATTEMPTS = 8
CHARS_PER_TOKEN = 4  # a rough estimate that needs no tokenizer, on the safe side for English


def estimate_tokens(message: dict[str, Any]) -> int:
    return len(json.dumps(message, default=str)) // CHARS_PER_TOKEN + 4


def trim(turns: list[dict[str, Any]], budget: int = TOKEN_BUDGET) -> list[dict[str, Any]]:
    """The newest whole groups that fit in `budget` tokens; the newest group always stays."""
    groups: list[list[dict[str, Any]]] = []
    for message in turns:
        if message.get("role") == "user" or not groups:
            groups.append([])
        groups[-1].append(message)
    kept: list[list[dict[str, Any]]] = []
    used = 0
    for group in reversed(groups):
        cost = sum(estimate_tokens(m) for m in group)
        if kept and used + cost > budget:
            break
        kept.append(group)
        used += cost
    # a history never starts with an assistant or tool message cut from its user message
    while kept and kept[-1][0].get("role") != "user":
        kept.pop()
    return [m for group in reversed(kept) for m in group]


class PendingAction(BaseModel):
    """What waits for the user's yes: "delete" (task_id), "bulk" (a complete/delete of
    task_ids, ``verb``), "add" (a new task with ``args``: one the user may not have meant,
    or one that repeats an open task). ``approval_id``: the approval workflow a delete or
    bulk change waits in (agent/approvals.py); empty where none runs (MCP)."""

    action: str
    task_id: str = ""
    title: str = ""
    task_ids: list[str] = Field(default_factory=list)
    verb: str = ""
    args: dict[str, Any] | None = None
    approval_id: str = ""


class Change(BaseModel):
    """One task's change, enough to revert it: ``before`` is the task as it was (a deleted
    task's whole record, an updated task's fields), None for a task that was created."""

    kind: str  # created | completed | reopened | deleted | updated
    task_id: str
    before: dict[str, Any] | None = None


class UndoStep(BaseModel):
    label: str
    changes: list[Change] = Field(default_factory=list)


UNDO_DEPTH = 10


class Conversation(BaseModel):
    turns: list[dict[str, Any]] = Field(default_factory=list)
    pending: PendingAction | None = None
    last_task_id: str | None = None  # "it", "that one"
    last_listed: list[str] = Field(default_factory=list)  # "the second one", "all of them"
    undo: list[UndoStep] = Field(default_factory=list)  # newest last, at most UNDO_DEPTH

    def remember(self, step: UndoStep) -> None:
        if step.changes:
            self.undo = [*self.undo, step][-UNDO_DEPTH:]


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
        """Save with the ETag it was loaded with; when another turn of the same conversation
        saved meanwhile (two messages at once, another replica), keep its state and add our
        turns, as often as it takes (bounded: each retry follows a save that succeeded)."""
        convo.turns = trim(convo.turns)
        key = self.key(user_id, conversation_id)
        value = convo
        for _attempt in range(SAVE_ATTEMPTS):
            try:
                await self.runtime.save_state(
                    STATESTORE, key, value.model_dump(mode="json"), etag=etag
                )
                return
            except StateConflict:
                latest, etag = await self.load(user_id, conversation_id)
                latest.turns.extend(t for t in convo.turns if t not in latest.turns)
                latest.turns = trim(latest.turns)
                latest.pending = convo.pending
                latest.undo = convo.undo
                latest.last_task_id = convo.last_task_id
                latest.last_listed = convo.last_listed
                value = latest
        # still racing after that many rounds: this turn's memory is the one left out (the
        # reply was given; the next turn starts from what the others saved)
        log.warning("conversation memory not saved after %d conflicts", SAVE_ATTEMPTS)
