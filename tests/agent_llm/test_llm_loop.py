"""The Chat Completions tool loop against the fake server: streamed tool calls with split
arguments, several tools in one turn, errors and timeouts, the round bound, confirmations."""

from __future__ import annotations

import pytest

from agent.events import TextDelta
from agent.llm_loop import MAX_ROUNDS, SORRY
from agent.service import Agent
from tests.agent_llm.conftest import run_turn, tasks_of
from tests.support.embedded_env import EmbeddedEnv
from tests.support.fake_openai import FakeOpenAI, Reply, ToolCall, call, calls, failure, say, slow

pytestmark = pytest.mark.anyio


async def test_streamed_tool_call_with_split_arguments_creates_the_task(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice", "Europe/Berlin")
    fake_llm.add(
        Reply(
            tool_calls=(ToolCall.of("add_task", title="buy milk", due_at="2030-05-01T17:00"),),
            chunk_size=3,
        ),
        say("Added buy milk for May 1st at 17:00."),
    )
    turn = await run_turn(env, agent, "alice", "add buy milk on may 1st 2030 at 5pm")
    assert [t.name for t in turn.tools] == ["add_task"] and turn.tools[0].ok
    assert turn.started[0].arguments == {"title": "buy milk", "due_at": "2030-05-01T17:00"}
    assert turn.reply == "Added buy milk for May 1st at 17:00."
    assert any(isinstance(e, TextDelta) for e in turn.events)  # the reply was streamed
    (task,) = await tasks_of(env, "alice")
    assert task["title"] == "buy milk"
    assert task["due_at"].startswith("2030-05-01T15:00")  # 17:00 Berlin (CEST) in UTC
    # the real client streamed, and the tool result went back to the model as a tool message
    assert fake_llm.requests[0]["stream"] is True
    (tool_msg,) = fake_llm.tool_messages()
    assert '"ok": true' in tool_msg["content"]


async def test_several_tools_in_one_turn(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    fake_llm.add(
        calls(
            ToolCall.of("add_task", title="pay rent", priority="high"),
            ToolCall.of("add_task", title="water plants", tags=["home"]),
        ),
        call("complete_task", task="water plants"),
        say("Done."),
    )
    turn = await run_turn(env, agent, "alice", "add pay rent and water plants, then tick plants")
    assert [t.name for t in turn.tools] == ["add_task", "add_task", "complete_task"]
    assert all(t.ok for t in turn.tools)
    by_title = {t["title"]: t for t in await tasks_of(env, "alice")}
    assert by_title["pay rent"]["priority"] == "high"
    assert by_title["water plants"]["status"] == "completed"
    assert len(fake_llm.tool_messages()) == 3


async def test_model_error_is_a_polite_reply(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    fake_llm.add(failure(500), failure(500))  # the client retries once
    turn = await run_turn(env, agent, "alice", "add something")
    assert turn.reply == SORRY
    # the next turn works again
    fake_llm.add(say("Hello again."))
    assert (await run_turn(env, agent, "alice", "hi")).reply == "Hello again."


async def test_model_timeout_is_a_polite_reply(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    fake_llm.add(slow(3.0), slow(3.0))
    turn = await run_turn(env, agent, "alice", "add something")
    assert turn.reply == SORRY
    assert await tasks_of(env, "alice") == []


async def test_malformed_tool_arguments_come_back_as_data(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    fake_llm.add(calls(ToolCall("add_task", '{"title": ')), say("Sorry, try again."))
    turn = await run_turn(env, agent, "alice", "add")
    assert not turn.tools[0].ok and "invalid arguments" in turn.tools[0].output
    assert turn.reply == "Sorry, try again."


async def test_the_loop_is_bounded(env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI) -> None:
    env.user("alice")
    fake_llm.add(*[call("list_tasks") for _ in range(MAX_ROUNDS + 3)])
    turn = await run_turn(env, agent, "alice", "list forever")
    assert len(turn.tools) == MAX_ROUNDS
    assert "too many steps" in turn.reply
    assert len(fake_llm.requests) == MAX_ROUNDS


async def test_delete_confirmation_across_turns(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    fake_llm.add(call("add_task", title="old draft"), say("Added."))
    await run_turn(env, agent, "alice", "add old draft")
    fake_llm.add(call("delete_task", task="old draft"), say("Delete 'old draft'? (yes/no)"))
    first = await run_turn(env, agent, "alice", "delete old draft")
    assert first.tools[0].needs_confirmation
    assert len(await tasks_of(env, "alice")) == 1
    fake_llm.add(call("delete_task", task="old draft", confirmed=True), say("Deleted."))
    second = await run_turn(env, agent, "alice", "yes")
    assert second.tools[0].ok and second.tools[0].output.startswith("Deleted")
    assert await tasks_of(env, "alice") == []


async def test_confirmed_delete_without_a_prior_question_does_not_delete(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    fake_llm.add(call("add_task", title="keep me"), say("Added."))
    await run_turn(env, agent, "alice", "add keep me")
    fake_llm.add(call("delete_task", task="keep me", confirmed=True), say("ok"))
    turn = await run_turn(env, agent, "alice", "delete keep me")
    assert turn.tools[0].needs_confirmation
    assert [t["title"] for t in await tasks_of(env, "alice")] == ["keep me"]
    # a confirmation is good for the very next turn only
    fake_llm.add(say("Alright."))
    await run_turn(env, agent, "alice", "never mind")
    fake_llm.add(call("delete_task", task="keep me", confirmed=True), say("ok"))
    turn = await run_turn(env, agent, "alice", "delete it")
    assert turn.tools[0].needs_confirmation
    assert [t["title"] for t in await tasks_of(env, "alice")] == ["keep me"]


async def test_model_cannot_confirm_its_own_delete_in_one_turn(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    fake_llm.add(call("add_task", title="precious"), say("Added."))
    await run_turn(env, agent, "alice", "add precious")
    fake_llm.add(
        call("delete_task", task="precious"),
        call("delete_task", task="precious", confirmed=True),
        say("Deleted."),
    )
    await run_turn(env, agent, "alice", "what's on my list?")
    assert [t["title"] for t in await tasks_of(env, "alice")] == ["precious"]


async def test_tool_call_messages_carry_text_content_for_llama_cpp(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    """llama.cpp's OpenAI-compatible server answers 500 to `content: null`; the fake refuses
    it the same way, and the second round (after the tool ran) must go through."""
    assert fake_llm.refuse_null_content
    env.user("alice")
    fake_llm.add(call("add_task", title="water plants"), say("Added."))
    turn = await run_turn(env, agent, "alice", "add water plants")
    assert turn.reply == "Added."
    assistant = [m for m in fake_llm.requests[1]["messages"] if m.get("tool_calls")]
    assert assistant and all(isinstance(m["content"], str) for m in assistant)
