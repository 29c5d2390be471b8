"""LLM mode has the offline mode's tool surface: several tasks in one call, due-date filters,
bulk actions that wait for a yes, undo, snooze (fake model, real tools and task service)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent.service import Agent
from agent.tools import REGISTRY
from tests.agent_llm.conftest import run_turn, tasks_of
from tests.support.embedded_env import EmbeddedEnv
from tests.support.fake_openai import FakeOpenAI, call, say

pytestmark = pytest.mark.anyio


def test_the_model_gets_the_offline_tools() -> None:
    assert {"add_tasks", "bulk_tasks", "undo", "snooze_task"} <= set(REGISTRY)
    due = REGISTRY["list_tasks"].args.model_json_schema()["properties"]["due"]
    assert "no_date" in str(due) and "next_week" in str(due)


def _local(days: int, hour: int, zone: str = "Europe/Berlin") -> str:
    d = datetime.now(ZoneInfo(zone)).date() + timedelta(days=days)
    return f"{d.isoformat()}T{hour:02d}:00"


async def test_several_tasks_in_one_call_and_one_undo_removes_them(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice", "Europe/Berlin")
    fake_llm.add(
        call(
            "add_tasks",
            tasks=[
                {"title": "buy milk"},
                {"title": "call the bank", "due_at": _local(1, 11)},
                {"title": "email Sam"},
            ],
        ),
        say("Added three tasks."),
    )
    turn = await run_turn(env, agent, "alice", "buy milk, call the bank tomorrow at 11, email Sam")
    assert [t.ok for t in turn.tools] == [True]
    assert "Added 3 tasks" in turn.tools[0].output
    assert sorted(t["title"] for t in await tasks_of(env, "alice")) == [
        "buy milk",
        "call the bank",
        "email Sam",
    ]
    fake_llm.add(call("undo"), say("Undone."))
    await run_turn(env, agent, "alice", "undo")
    assert await tasks_of(env, "alice") == []


async def test_list_filters_by_due_window_and_hides_completed(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice", "Europe/Berlin")
    fake_llm.add(
        call(
            "add_tasks",
            tasks=[
                {"title": "tomorrow thing", "due_at": _local(1, 10)},
                {"title": "later thing", "due_at": _local(20, 10)},
                {"title": "undated thing"},
                {"title": "finished thing", "due_at": _local(1, 12)},
            ],
        ),
        call("complete_task", task="finished thing"),
        say("ok"),
    )
    await run_turn(env, agent, "alice", "add these")
    fake_llm.add(call("list_tasks", due="tomorrow"), say("Tomorrow: tomorrow thing."))
    turn = await run_turn(env, agent, "alice", "what's due tomorrow?")
    shown = turn.tools[0].output
    assert "tomorrow thing" in shown
    assert "later thing" not in shown and "finished thing" not in shown
    fake_llm.add(call("list_tasks", due="no_date"), say("One."))
    turn = await run_turn(env, agent, "alice", "what has no date?")
    assert "undated thing" in turn.tools[0].output
    assert "tomorrow thing" not in turn.tools[0].output


async def test_a_bulk_delete_waits_for_the_yes_and_undo_brings_them_back(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice", "UTC")
    fake_llm.add(
        call(
            "add_tasks",
            tasks=[
                {"title": "book flights", "tags": ["travel"]},
                {"title": "pack bags", "tags": ["travel"], "due_at": _local(2, 9, "UTC")},
                {"title": "buy milk", "tags": ["home"]},
            ],
        ),
        say("Added."),
    )
    await run_turn(env, agent, "alice", "add three")
    fake_llm.add(
        call("bulk_tasks", action="delete", filter={"tag": "travel"}),
        say("Delete 2 tasks? yes/no"),
    )
    turn = await run_turn(env, agent, "alice", "delete everything tagged travel")
    assert turn.tools[0].needs_confirmation
    assert len(await tasks_of(env, "alice")) == 3  # nothing deleted before the yes

    # a model that claims a yes the user never gave: the flag alone deletes nothing
    fake_llm.add(call("bulk_tasks", action="delete", confirmed=True), say("done"))
    await run_turn(env, agent, "alice", "what's the weather", conversation="other")
    assert len(await tasks_of(env, "alice")) == 3

    fake_llm.add(
        call("bulk_tasks", action="delete", filter={"tag": "travel"}, confirmed=True),
        say("Deleted."),
    )
    await run_turn(env, agent, "alice", "yes")
    assert [t["title"] for t in await tasks_of(env, "alice")] == ["buy milk"]

    fake_llm.add(call("undo"), say("Restored."))
    await run_turn(env, agent, "alice", "undo")
    restored = {t["title"]: t for t in await tasks_of(env, "alice")}
    assert set(restored) == {"book flights", "pack bags", "buy milk"}
    assert restored["pack bags"]["tags"] == ["travel"]
    assert restored["pack bags"]["due_at"] is not None


async def test_snooze_moves_the_due_time_and_the_reminder(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice", "UTC")
    fake_llm.add(
        call(
            "add_task",
            title="call mom",
            due_at=_local(1, 17, "UTC"),
            remind_before_minutes=0,
        ),
        say("ok"),
    )
    await run_turn(env, agent, "alice", "remind me to call mom tomorrow at 5pm")
    fake_llm.add(call("snooze_task", task="call mom", minutes=60), say("Snoozed."))
    await run_turn(env, agent, "alice", "snooze call mom by an hour")
    (task,) = await tasks_of(env, "alice")
    assert task["due_at"].startswith(_local(1, 18, "UTC"))
    assert [r["at"][:16] for r in task["reminders"]] == [_local(1, 18, "UTC")]
