"""The agent's LLM loop against the local fake OpenAI server, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from agent.events import AgentEvent, ToolFinished, ToolStarted, TurnDone
from agent.service import Agent, LLMConfig
from backend_services.contracts import AppId
from tests.support.embedded_env import EmbeddedEnv
from tests.support.fake_openai import FakeOpenAI, serve_fake_openai

LLM_TIMEOUT = 1.0


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeOpenAI]:
    with serve_fake_openai() as fake:
        yield fake


@pytest.fixture
def fake_llm(fake_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    fake_server.reset()
    yield fake_server
    fake_server.reset()


@pytest.fixture
async def agent(env: EmbeddedEnv, fake_llm: FakeOpenAI) -> AsyncIterator[Agent]:
    config = LLMConfig(
        base_url=fake_llm.url, api_key="sk-fake-test", model="fake-model", timeout=LLM_TIMEOUT
    )
    made = Agent(env.runtime.for_app(AppId.CHAT_UI.value), config)
    yield made
    assert made.loop is not None
    await made.loop.client.close()  # its HTTP pool belongs to this test's event loop


@dataclass
class Turn:
    events: list[AgentEvent] = field(default_factory=list)

    @property
    def reply(self) -> str:
        done = [e for e in self.events if isinstance(e, TurnDone)]
        assert len(done) == 1, self.events
        return done[0].reply

    @property
    def tools(self) -> list[ToolFinished]:
        return [e for e in self.events if isinstance(e, ToolFinished)]

    @property
    def started(self) -> list[ToolStarted]:
        return [e for e in self.events if isinstance(e, ToolStarted)]


async def run_turn(
    env: EmbeddedEnv, agent: Agent, user: str, text: str, conversation: str = "c1"
) -> Turn:
    token = env.signer().issue(user, "user", 600)
    turn = Turn()
    async for event in agent.turn(token, user, conversation, text):
        turn.events.append(event)
    return turn


async def tasks_of(env: EmbeddedEnv, user: str) -> list[dict[str, Any]]:
    resp = await env.client.get("/tasks", params={"limit": 200}, headers=env.user(user))
    assert resp.status_code == 200, resp.text
    return list(resp.json()["items"])
