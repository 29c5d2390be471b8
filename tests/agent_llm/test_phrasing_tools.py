"""LLM mode uses the same slots as the offline parser: lists, recurrence from completion and
an ending series go through the tool schemas to the task service (fake model, real tools)."""

from __future__ import annotations

import pytest

from agent.service import Agent
from agent.tools import REGISTRY
from tests.agent_llm.conftest import run_turn, tasks_of
from tests.support.embedded_env import EmbeddedEnv
from tests.support.fake_openai import FakeOpenAI, ToolCall, call, calls, say

pytestmark = pytest.mark.anyio


def test_the_tool_schemas_offer_the_new_slots() -> None:
    def properties(name: str) -> set[str]:
        return set(REGISTRY[name].args.model_json_schema()["properties"])

    assert {"list_name", "repeat_from_completion"} <= properties("add_task")
    assert "list_name" in properties("list_tasks")
    assert "list_name" in properties("update_task")
    assert "repeat_from_completion" in properties("set_recurrence")


async def test_lists_and_repeat_from_completion_through_tool_calls(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice", "Europe/Berlin")
    fake_llm.add(
        calls(
            ToolCall.of("add_task", title="eggs", list_name="Groceries"),
            ToolCall.of(
                "add_task",
                title="water the ferns",
                due_at="2030-05-01T09:00",
                recurrence="FREQ=DAILY;INTERVAL=3",
                repeat_from_completion=True,
            ),
            ToolCall.of(
                "add_task",
                title="physio",
                due_at="2030-05-01T08:00",
                recurrence="FREQ=DAILY;COUNT=5",
            ),
        ),
        say("Added them."),
    )
    turn = await run_turn(env, agent, "alice", "eggs to groceries; ferns every! 3 days; physio")
    assert [t.ok for t in turn.tools] == [True, True, True]
    by_title = {t["title"]: t for t in await tasks_of(env, "alice")}
    assert by_title["eggs"]["list_name"] == "Groceries"
    assert by_title["water the ferns"]["repeat_from_completion"] is True
    assert by_title["physio"]["recurrence"] == "FREQ=DAILY;COUNT=5"

    fake_llm.add(
        call("update_task", task="water the ferns", list_name="groceries"),
        call("list_tasks", list_name="GROCERIES"),
        say("Here is your groceries list."),
    )
    turn = await run_turn(env, agent, "alice", "move the ferns to groceries and show it")
    assert [t.ok for t in turn.tools] == [True, True]
    listed = turn.tools[1].output
    assert "eggs" in listed and "water the ferns" in listed and "physio" not in listed


async def test_a_from_completion_rule_with_count_comes_back_as_data(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    fake_llm.add(
        call(
            "add_task",
            title="floss",
            due_at="2030-05-01T08:00",
            recurrence="FREQ=DAILY;COUNT=5",
            repeat_from_completion=True,
        ),
        say("That did not work."),
    )
    turn = await run_turn(env, agent, "alice", "floss every 2 days after I finish, 5 times")
    (result,) = turn.tools
    assert not result.ok and "COUNT" in result.output
    assert await tasks_of(env, "alice") == []
