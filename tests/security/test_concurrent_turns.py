"""Issue 20, low: a user sending two messages at once saw a `StateConflict` (or a duplicate-key
error on a new conversation) instead of two answers. Against the real state store of the
embedded runtime, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from agent.events import TurnDone
from agent.memory import ConversationStore
from agent.service import Agent
from backend_services.contracts import STATESTORE, AppId
from backend_services.platform.runtime import StateConflict
from tests.support.embedded_env import EmbeddedEnv

pytestmark = pytest.mark.anyio


async def turn(agent: Agent, token: str, text: str) -> str:
    reply = ""
    async for event in agent.turn(token, "alice", "convo-1", text):
        if isinstance(event, TurnDone):
            reply = event.reply
    return reply


async def test_messages_sent_at_once_are_all_answered_and_remembered(db_env: EmbeddedEnv) -> None:
    token = db_env.user("alice")["authorization"].removeprefix("Bearer ")
    runtime = db_env.runtime.for_app(AppId.CHAT_UI.value)
    # a new conversation, several messages at once (one process: its turns take turns)
    one = Agent(runtime, None)
    first = [f"add chore number {i}" for i in range(4)]
    replies = await asyncio.gather(*(turn(one, token, text) for text in first))
    assert all(reply.startswith("Added") for reply in replies), replies
    # then two processes' worth of agents (each its own lock) on it at once: the ETag
    # conflicts are merged, however many rounds that takes
    agents = [one, Agent(runtime, None)]
    texts = [f"add errand number {i}" for i in range(8)]
    replies = await asyncio.gather(
        *(turn(agents[i % 2], token, text) for i, text in enumerate(texts))
    )
    assert all(reply.startswith("Added") for reply in replies), replies
    convo, _etag = await ConversationStore(runtime).load("alice", "convo-1")
    said = [t["content"] for t in convo.turns if t["role"] == "user"]
    assert sorted(said) == sorted(first + texts)


async def test_a_stale_etag_loses_and_exactly_one_writer_wins(db_env: EmbeddedEnv) -> None:
    runtime = db_env.runtime.for_app(AppId.CHAT_UI.value)
    await asyncio.gather(*(runtime.save_state(STATESTORE, "k", {"n": i}) for i in range(10)))
    _value, etag = await runtime.get_state(STATESTORE, "k")
    outcomes = await asyncio.gather(
        *(runtime.save_state(STATESTORE, "k", {"n": i}, etag=etag) for i in range(10)),
        return_exceptions=True,
    )
    assert sum(o is None for o in outcomes) == 1, outcomes
    assert all(isinstance(o, StateConflict) for o in outcomes if o is not None), outcomes
    with pytest.raises(StateConflict):
        await runtime.save_state(STATESTORE, "k", {"n": -1}, etag="not-a-number")
