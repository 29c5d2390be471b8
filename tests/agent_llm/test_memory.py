"""Memory that refers: tool calls and results stay in the conversation (bounded, trimmed in
whole groups), and follow-ups ("it", "the second one", "the dentist one", "all of them")
resolve in LLM mode and offline."""

from __future__ import annotations

from typing import Any

import pytest

from agent.memory import trim
from agent.service import Agent
from tests.agent_llm.conftest import run_turn, tasks_of
from tests.support.embedded_env import EmbeddedEnv
from tests.support.fake_openai import FakeOpenAI, call, say

pytestmark = pytest.mark.anyio


async def test_the_model_sees_prior_tool_calls_and_results(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    fake_llm.add(call("add_task", title="book dentist"), say("Added."))
    await run_turn(env, agent, "alice", "add book dentist")
    fake_llm.add(call("update_task", task="it", due_at="2030-05-03T09:00"), say("Moved."))
    turn = await run_turn(env, agent, "alice", "move it to friday 9am")
    assert turn.tools[0].ok, turn.tools[0].output
    sent = fake_llm.requests[2]["messages"]
    roles = [m["role"] for m in sent]
    assert roles == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert sent[2]["tool_calls"][0]["function"]["name"] == "add_task"
    assert sent[3]["tool_call_id"] == sent[2]["tool_calls"][0]["id"]
    assert "book dentist" in sent[3]["content"]
    (task,) = await tasks_of(env, "alice")
    assert task["due_at"].startswith("2030-05-03")


async def test_ordinal_and_words_after_a_list(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    for title, day in (("call mom", "01"), ("dentist appointment", "02"), ("pay rent", "03")):
        fake_llm.add(call("add_task", title=title, due_at=f"2030-05-{day}T09:00"), say("ok"))
        await run_turn(env, agent, "alice", f"add {title}")
    fake_llm.add(call("list_tasks"), say("Here they are."))
    await run_turn(env, agent, "alice", "what's on my list")
    fake_llm.add(call("complete_task", task="the second one"), say("Done."))
    turn = await run_turn(env, agent, "alice", "tick the second one")
    assert turn.tools[0].output == "Marked 'dentist appointment' as done."
    fake_llm.add(call("complete_task", task="the rent one"), say("Done."))
    turn = await run_turn(env, agent, "alice", "and the rent one")
    assert turn.tools[0].output == "Marked 'pay rent' as done."
    fake_llm.add(call("list_tasks", status="pending"), say("One left."))
    await run_turn(env, agent, "alice", "what's left")
    fake_llm.add(call("complete_task", task="all of them"), say("All of them? yes/no"))
    turn = await run_turn(env, agent, "alice", "mark all of them done")
    assert turn.tools[0].ok and turn.tools[0].needs_confirmation  # a bulk change asks first
    assert "pending" in {t["status"] for t in await tasks_of(env, "alice")}
    fake_llm.add(call("bulk_tasks", action="complete", confirmed=True), say("All done."))
    await run_turn(env, agent, "alice", "yes")
    assert {t["status"] for t in await tasks_of(env, "alice")} == {"completed"}


async def test_a_reference_with_nothing_to_refer_to_asks(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    fake_llm.add(call("complete_task", task="it"), say("Which one?"))
    turn = await run_turn(env, agent, "alice", "done with it")
    assert not turn.tools[0].ok and "which task" in turn.tools[0].output


async def test_memory_is_per_user(env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI) -> None:
    env.user("alice")
    env.user("bob")
    fake_llm.add(call("add_task", title="alice secret"), say("Added."))
    await run_turn(env, agent, "alice", "add alice secret")
    fake_llm.add(call("complete_task", task="it"), say("?"))
    turn = await run_turn(env, agent, "bob", "complete it")  # same conversation id, other user
    assert not turn.tools[0].ok
    assert "alice secret" not in str(fake_llm.requests[-2]["messages"])
    assert (await tasks_of(env, "alice"))[0]["status"] == "pending"


def _group(n: int, size: int = 400) -> list[dict[str, Any]]:
    cid = f"call_{n}"
    return [
        {"role": "user", "content": f"turn {n}"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": cid,
                    "type": "function",
                    "function": {"name": "list_tasks", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": cid, "content": "x" * size},
        {"role": "assistant", "content": f"reply {n}"},
    ]


def test_trim_drops_whole_groups_oldest_first() -> None:
    turns = [m for n in range(30) for m in _group(n)]
    kept = trim(turns, budget=1000)
    assert kept and kept[0] == {"role": "user", "content": kept[0]["content"]}
    assert kept[-1]["content"] == "reply 29"
    assert len(kept) % 4 == 0 and len(kept) < len(turns)
    call_ids = {c["id"] for m in kept for c in m.get("tool_calls", [])}
    assert {m["tool_call_id"] for m in kept if m["role"] == "tool"} == call_ids


def test_trim_keeps_the_newest_group_even_over_budget() -> None:
    turns = _group(1) + _group(2, size=100_000)
    assert trim(turns, budget=100) == _group(2, size=100_000)


async def test_long_conversations_stay_bounded_and_valid(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    for n in range(25):
        fake_llm.add(call("add_task", title=f"task number {n} " + "padding " * 40), say("ok"))
        await run_turn(env, agent, "alice", f"add task {n}")
    fake_llm.add(say("hi"))
    await run_turn(env, agent, "alice", "hello")
    sent = fake_llm.requests[-1]["messages"]
    assert sent[1]["role"] == "user"  # trimmed at a group boundary
    assert len(sent) < 1 + 4 * 25
    ids = {c["id"] for m in sent for c in m.get("tool_calls", [])}
    assert {m["tool_call_id"] for m in sent if m["role"] == "tool"} == ids


@pytest.fixture
def offline(env: EmbeddedEnv) -> Agent:
    from backend_services.contracts import AppId

    return Agent(env.runtime.for_app(AppId.CHAT_UI.value), None)


async def test_offline_follow_ups(env: EmbeddedEnv, offline: Agent) -> None:
    env.user("alice")
    for text in ("add call mom tomorrow", "add dentist appointment", "add pay rent"):
        assert (await run_turn(env, offline, "alice", text)).tools[0].ok
    turn = await run_turn(env, offline, "alice", "move it to friday")  # the last one added
    assert turn.tools[0].ok and "pay rent" in turn.tools[0].output
    shown = (await run_turn(env, offline, "alice", "show my tasks")).reply
    second = (await _in_list_order(env))[1]
    assert second in shown
    turn = await run_turn(env, offline, "alice", "mark the second one as done")
    assert turn.tools[0].output == f"Marked '{second}' as done."
    assert second != "dentist appointment"  # the list is sorted by due date, then newest
    turn = await run_turn(env, offline, "alice", "done with the dentist one")
    assert turn.tools[0].output == "Marked 'dentist appointment' as done."
    await run_turn(env, offline, "alice", "show my tasks")
    turn = await run_turn(env, offline, "alice", "mark all of them done")
    assert turn.tools[0].needs_confirmation, turn.reply  # a bulk change asks first
    turn = await run_turn(env, offline, "alice", "yes")
    assert turn.tools[0].ok, turn.reply
    assert {t["status"] for t in await tasks_of(env, "alice")} == {"completed"}


async def test_offline_delete_the_second_one_asks_then_deletes(
    env: EmbeddedEnv, offline: Agent
) -> None:
    env.user("alice")
    for text in ("add call mom", "add book dentist"):
        await run_turn(env, offline, "alice", text)
    shown = (await run_turn(env, offline, "alice", "show my tasks")).reply
    second = (await _in_list_order(env))[1]
    assert second in shown
    asked = await run_turn(env, offline, "alice", "delete the second one")
    assert asked.tools[0].needs_confirmation and second in asked.reply
    await run_turn(env, offline, "alice", "yes")
    assert [t["title"] for t in await tasks_of(env, "alice")] != []
    assert second not in [t["title"] for t in await tasks_of(env, "alice")]


async def _in_list_order(env: EmbeddedEnv) -> list[str]:
    """Titles in the order list_tasks shows them (sorted by due date)."""
    resp = await env.client.get("/tasks", params={"sort": "due"}, headers=env.user("alice"))
    return [t["title"] for t in resp.json()["items"]]
