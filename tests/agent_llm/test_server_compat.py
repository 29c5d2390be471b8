"""The agent against servers that behave like llama.cpp, vLLM, Ollama and non-streaming
servers (the fake enforces what each real server enforces), and against a model that writes
its tool call as text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from agent.events import TextDelta
from agent.service import Agent, LLMConfig
from backend_services.contracts import AppId
from tests.agent_llm.conftest import LLM_TIMEOUT, run_turn, tasks_of
from tests.support.embedded_env import EmbeddedEnv
from tests.support.fake_openai import FakeOpenAI, Reply, ToolCall, call, calls, say

pytestmark = pytest.mark.anyio


async def add_buy_milk(env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI, flavor: str) -> Any:
    """One turn that adds a task through a server of this flavour; the task must be stored."""
    env.user("alice")
    fake_llm.flavor = flavor
    fake_llm.add(call("add_task", title="buy milk"), say("Added buy milk."))
    turn = await run_turn(env, agent, "alice", "add buy milk")
    assert turn.reply == "Added buy milk."
    assert [t["title"] for t in await tasks_of(env, "alice")] == ["buy milk"]
    return turn


async def test_llama_cpp_accepts_the_tool_call_history(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    await add_buy_milk(env, agent, fake_llm, "llama.cpp")
    (assistant,) = [m for m in fake_llm.requests[1]["messages"] if m.get("tool_calls")]
    assert assistant["content"] == ""


async def test_the_llama_cpp_fake_refuses_null_content(fake_llm: FakeOpenAI) -> None:
    # the imitation must be strict, or the test above proves nothing
    import httpx

    fake_llm.flavor = "llama.cpp"
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": None, "tool_calls": []},
        ],
    }
    async with httpx.AsyncClient() as http:
        resp = await http.post(f"{fake_llm.url}/chat/completions", json=body)
    assert resp.status_code == 500 and "null" in resp.json()["error"]["message"]


async def test_vllm_interleaved_parallel_calls(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    fake_llm.flavor = "vllm"
    fake_llm.add(
        Reply(
            tool_calls=(
                ToolCall.of("add_task", title="pay rent", priority="high"),
                ToolCall.of("add_task", title="water plants", tags=["home"]),
            ),
            chunk_size=2,
        ),
        say("Added both."),
    )
    turn = await run_turn(env, agent, "alice", "add pay rent and water plants")
    assert [t.name for t in turn.tools] == ["add_task", "add_task"] and all(
        t.ok for t in turn.tools
    )
    by_title = {t["title"]: t for t in await tasks_of(env, "alice")}
    assert by_title["pay rent"]["priority"] == "high"
    assert by_title["water plants"]["tags"] == ["home"]
    # tool_choice left out: vLLM refuses an explicit "auto" without its start-up flag
    assert "tool_choice" not in fake_llm.requests[0]


async def test_vllm_refuses_explicit_auto_which_is_configurable(
    env: EmbeddedEnv, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    fake_llm.flavor = "vllm"
    config = LLMConfig(
        base_url=fake_llm.url,
        api_key="sk-fake",
        model="m",
        timeout=LLM_TIMEOUT,
        tool_choice="auto",
    )
    agent = Agent(env.runtime.for_app(AppId.CHAT_UI.value), config)
    try:
        fake_llm.add(say("never reached"))
        refused = await run_turn(env, agent, "alice", "hi")
        assert "couldn't reach" in refused.reply
        fake_llm.auto_tool_choice = True
        turn = await run_turn(env, agent, "alice", "hi again", conversation="c2")
        assert turn.reply == "never reached"
        assert fake_llm.requests[-1]["tool_choice"] == "auto"
    finally:
        assert agent.loop is not None
        await agent.loop.client.close()


async def test_ollama_whole_calls_without_index(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    fake_llm.flavor = "ollama"
    fake_llm.add(
        calls(ToolCall.of("add_task", title="call mom"), ToolCall.of("add_task", title="dentist")),
        say("Added."),
    )
    turn = await run_turn(env, agent, "alice", "add call mom and dentist")
    assert [s.arguments for s in turn.started] == [{"title": "call mom"}, {"title": "dentist"}]
    assert sorted(t["title"] for t in await tasks_of(env, "alice")) == ["call mom", "dentist"]


@pytest.fixture
async def whole_agent(env: EmbeddedEnv, fake_llm: FakeOpenAI) -> AsyncIterator[Agent]:
    config = LLMConfig(base_url=fake_llm.url, api_key="k", model="m", timeout=LLM_TIMEOUT)
    made = Agent(env.runtime.for_app(AppId.CHAT_UI.value), config)
    yield made
    assert made.loop is not None
    await made.loop.client.close()


async def test_server_without_streaming(
    env: EmbeddedEnv, whole_agent: Agent, fake_llm: FakeOpenAI
) -> None:
    turn = await add_buy_milk(env, whole_agent, fake_llm, "no-stream")
    # one refused streamed request, then whole answers only
    assert [r.get("stream", False) for r in fake_llm.requests] == [True, False, False]
    assert any(isinstance(e, TextDelta) for e in turn.events)


@pytest.mark.parametrize("fenced", [False, True])
async def test_a_call_written_as_text_is_run(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI, fenced: bool
) -> None:
    env.user("alice")
    text = '{"name": "add_task", "arguments": {"title": "buy bread"}}'
    if fenced:
        text = f"```json\n{text}\n```"
    fake_llm.add(Reply(content=text), say("Added buy bread."))
    turn = await run_turn(env, agent, "alice", "add buy bread")
    assert [t.name for t in turn.tools] == ["add_task"] and turn.tools[0].ok
    assert turn.reply == "Added buy bread."
    deltas = "".join(e.text for e in turn.events if isinstance(e, TextDelta))
    assert "add_task" not in deltas  # the JSON was never shown as the reply
    assert [t["title"] for t in await tasks_of(env, "alice")] == ["buy bread"]


async def test_json_that_names_no_tool_stays_the_reply(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    fake_llm.add(say('{"name": "rm_rf", "arguments": {}}'))
    turn = await run_turn(env, agent, "alice", "show me json")
    assert turn.tools == [] and turn.reply == '{"name": "rm_rf", "arguments": {}}'
    assert "".join(e.text for e in turn.events if isinstance(e, TextDelta)) == turn.reply
