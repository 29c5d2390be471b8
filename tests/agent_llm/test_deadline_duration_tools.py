"""LLM mode: the tools take a deadline and a duration (the pydantic argument models are the
schemas the model sees), show them in their replies, clear them, and undo gives them back
(fake model, real tools and task service)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent.service import Agent
from agent.tools import REGISTRY
from tests.agent_llm.conftest import run_turn, tasks_of
from tests.support.embedded_env import EmbeddedEnv
from tests.support.fake_openai import FakeOpenAI, call, say

pytestmark = pytest.mark.anyio


def test_the_tool_schemas_offer_deadline_duration_and_clearing() -> None:
    add = REGISTRY["add_task"].args.model_json_schema()["properties"]
    assert "by Friday" in add["deadline"]["description"]
    assert "24 * 60" not in str(add) and "1440" in str(add["duration_minutes"])
    update = REGISTRY["update_task"].args.model_json_schema()["properties"]
    assert {"deadline", "duration_minutes", "clear"} <= set(update)


async def test_add_show_clear_and_undo(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice", "Europe/Berlin")
    friday = datetime.now(ZoneInfo("Europe/Berlin")).date() + timedelta(days=5)
    fake_llm.add(
        call("add_task", title="file taxes", deadline=friday.isoformat(), duration_minutes=90),
        say("Added."),
    )
    turn = await run_turn(env, agent, "alice", "file taxes by friday, takes 1.5 hours")
    assert [t.ok for t in turn.tools] == [True]
    assert "deadline" in turn.tools[0].output and "takes 1 h 30 min" in turn.tools[0].output
    (task,) = await tasks_of(env, "alice")
    assert date.fromisoformat(task["deadline"]) == friday and task["duration_minutes"] == 90
    assert task["due_at"] is None

    fake_llm.add(call("update_task", task="file taxes", clear=["deadline", "duration"]), say("Ok."))
    await run_turn(env, agent, "alice", "no deadline or duration for the taxes")
    (task,) = await tasks_of(env, "alice")
    assert task["deadline"] is None and task["duration_minutes"] is None

    fake_llm.add(call("undo"), say("Undone."))
    await run_turn(env, agent, "alice", "undo")
    (task,) = await tasks_of(env, "alice")
    assert date.fromisoformat(task["deadline"]) == friday and task["duration_minutes"] == 90


async def test_a_bad_duration_comes_back_to_the_model(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice", "Europe/Berlin")
    fake_llm.add(call("add_task", title="nap", duration_minutes=0), say("Could not."))
    turn = await run_turn(env, agent, "alice", "nap for no time")
    assert [t.ok for t in turn.tools] == [False]
    assert await tasks_of(env, "alice") == []
