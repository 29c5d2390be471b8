"""LLM mode: a delete or bulk change the model proposes waits in an approval workflow
(agent/approvals.py); the model's confirmed call, or the card's button, answers it, once."""

from __future__ import annotations

import pytest

from agent.events import ApprovalAsked
from agent.service import Agent
from tests.agent_llm.conftest import run_turn, tasks_of
from tests.support.embedded_env import EmbeddedEnv
from tests.support.fake_openai import FakeOpenAI, call, say

pytestmark = pytest.mark.anyio


def asked(events: list[object]) -> str:
    ids = [e.approval_id for e in events if isinstance(e, ApprovalAsked)]
    assert len(ids) == 1, events
    return ids[0]


async def test_the_models_confirmed_call_answers_the_workflow(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    for title in ("old notes", "pay rent"):
        fake_llm.add(call("add_task", title=title), say("ok"))
        await run_turn(env, agent, "alice", f"add {title}")
    fake_llm.add(call("delete_task", task="old notes"), say("Delete 'old notes'? yes/no"))
    turn = await run_turn(env, agent, "alice", "delete old notes")
    approval = asked(list(turn.events))
    assert turn.tools[0].needs_confirmation
    assert (await agent.approvals.status(approval, "alice")).status == "waiting"
    assert len(await tasks_of(env, "alice")) == 2

    fake_llm.add(call("delete_task", task="old notes", confirmed=True), say("Deleted."))
    turn = await run_turn(env, agent, "alice", "yes")
    assert turn.tools[0].output == "Deleted 'old notes'."
    assert [t["title"] for t in await tasks_of(env, "alice")] == ["pay rent"]
    done = await agent.approvals.status(approval, "alice")
    assert done.status == "completed" and done.history.count("approved") == 1


async def test_a_confirmed_call_a_turn_late_is_refused_but_the_button_still_answers(
    env: EmbeddedEnv, agent: Agent, fake_llm: FakeOpenAI
) -> None:
    env.user("alice")
    for title in ("a", "b"):
        fake_llm.add(call("add_task", title=f"chore {title}"), say("ok"))
        await run_turn(env, agent, "alice", f"add chore {title}")
    fake_llm.add(call("bulk_tasks", action="complete"), say("Both? yes/no"))
    approval = asked(list((await run_turn(env, agent, "alice", "complete everything")).events))
    fake_llm.add(say("Sunny, 20 degrees."))
    await run_turn(env, agent, "alice", "what's the weather")
    # the model claims a yes it no longer has: asks again (a second workflow), changes nothing
    fake_llm.add(call("bulk_tasks", action="complete", confirmed=True), say("Done."))
    turn = await run_turn(env, agent, "alice", "yes")
    assert turn.tools[0].needs_confirmation
    assert {t["status"] for t in await tasks_of(env, "alice")} == {"pending"}
    # the first card's Approve is still good until it times out
    token = env.signer().issue("alice", "user", 600)
    reply = await agent.answer_approval(token, "alice", approval, True)
    assert reply == "Marked 2 tasks as done: 'chore a', 'chore b'.", reply
    assert {t["status"] for t in await tasks_of(env, "alice")} == {"completed"}
