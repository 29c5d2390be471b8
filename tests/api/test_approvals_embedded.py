"""Approval gates as durable workflows, embedded: a delete or bulk change the agent proposes
waits for the person's yes (a reply or the card's button), with a timeout, and survives a
restart of the app (backend_services/platform/approval_workflow.py, agent/approvals.py)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from agent.approvals import EXPIRED, REFUSED
from agent.events import AgentEvent, ApprovalAsked, ToolFinished, TurnDone
from agent.service import Agent
from backend_services.contracts import STATESTORE, AppId
from backend_services.platform.approval_workflow import (
    APPROVED,
    CLAIM_LEASE,
    ApprovalInstance,
    job_name,
    state_key,
)
from backend_services.platform.timeutil import utcnow
from tests.support.embedded_env import EmbeddedEnv, embedded_env, eventually, make_settings

pytestmark = pytest.mark.anyio


def offline_agent(env: EmbeddedEnv, timeout: timedelta = timedelta(minutes=10)) -> Agent:
    return Agent(env.runtime.for_app(AppId.CHAT_UI.value), None, approval_timeout=timeout)


async def say(env: EmbeddedEnv, agent: Agent, user: str, text: str) -> list[AgentEvent]:
    token = env.signer().issue(user, "user", 600)
    return [event async for event in agent.turn(token, user, "c1", text)]


def reply_of(events: list[AgentEvent]) -> str:
    return next(e.reply for e in events if isinstance(e, TurnDone))


def asked_id(events: list[AgentEvent]) -> str:
    asked = [e for e in events if isinstance(e, ApprovalAsked)]
    assert len(asked) == 1, events
    finished = [e for e in events if isinstance(e, ToolFinished)]
    assert finished and finished[-1].needs_confirmation, events
    return asked[0].approval_id


async def add(env: EmbeddedEnv, user: str, title: str) -> str:
    resp = await env.client.post("/tasks", json={"title": title}, headers=env.user(user))
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


async def titles(env: EmbeddedEnv, user: str, status: str | None = None) -> list[str]:
    params: dict[str, Any] = {"limit": 200} | ({"status": status} if status else {})
    resp = await env.client.get("/tasks", params=params, headers=env.user(user))
    assert resp.status_code == 200, resp.text
    return sorted(t["title"] for t in resp.json()["items"])


async def instance(agent: Agent, approval_id: str, user: str) -> ApprovalInstance:
    return await agent.approvals.status(approval_id, user)


async def test_yes_reply_approves_and_applies(env: EmbeddedEnv) -> None:
    agent = offline_agent(env)
    await add(env, "alice", "old report")
    await add(env, "alice", "groceries")
    approval = asked_id(await say(env, agent, "alice", "delete old report"))
    assert (await instance(agent, approval, "alice")).status == "waiting"
    assert await env.runtime.for_app(AppId.CHAT_UI.value).get_job(job_name(approval))
    assert await titles(env, "alice") == ["groceries", "old report"]  # nothing before the yes

    reply = reply_of(await say(env, agent, "alice", "yes"))
    assert reply == "Deleted 'old report'.", reply
    assert await titles(env, "alice") == ["groceries"]
    done = await instance(agent, approval, "alice")
    assert done.status == "completed" and done.history == ["started", "approved", "completed"]
    assert await env.runtime.for_app(AppId.CHAT_UI.value).get_job(job_name(approval)) is None
    # the change is one undo step, like any other
    assert "old report" in reply_of(await say(env, agent, "alice", "undo"))
    assert await titles(env, "alice") == ["groceries", "old report"]


async def test_no_reply_rejects_and_keeps(env: EmbeddedEnv) -> None:
    agent = offline_agent(env)
    await add(env, "alice", "water plants")
    await add(env, "alice", "call bank")
    approval = asked_id(await say(env, agent, "alice", "complete all tasks"))
    reply = reply_of(await say(env, agent, "alice", "no"))
    assert reply == "OK, I left them as they are.", reply
    assert (await instance(agent, approval, "alice")).status == "rejected"
    assert await titles(env, "alice", "pending") == ["call bank", "water plants"]
    # the card's Approve, clicked afterwards, finds the question closed
    token = env.signer().issue("alice", "user", 600)
    late = await agent.answer_approval(token, "alice", approval, True)
    assert late == REFUSED
    assert await titles(env, "alice", "pending") == ["call bank", "water plants"]


async def test_card_button_approves_and_only_the_owner_can(env: EmbeddedEnv) -> None:
    agent = offline_agent(env)
    await add(env, "alice", "taxes")
    approval = asked_id(await say(env, agent, "alice", "delete taxes"))
    bob = env.signer().issue("bob", "user", 600)
    env.user("bob")
    refused = await agent.answer_approval(bob, "bob", approval, True)
    assert refused == "That question is no longer open, so nothing was changed."
    assert await titles(env, "alice") == ["taxes"]
    assert (await instance(agent, approval, "alice")).status == "waiting"

    alice = env.signer().issue("alice", "user", 600)
    assert await agent.answer_approval(alice, "alice", approval, True) == "Deleted 'taxes'."
    assert await titles(env, "alice") == []
    # a "yes" after the button: the button closed the question in the conversation too
    convo, _ = await agent.memory.load("alice", "c1")
    assert convo.pending is None and [step.label for step in convo.undo] == ["delete"]
    assert reply_of(await say(env, agent, "alice", "yes")) == "👍 Anything else?"


async def test_duplicate_approvals_apply_once(env: EmbeddedEnv) -> None:
    agent = offline_agent(env)
    for title in ("a1", "a2", "a3"):
        await add(env, "alice", title)
    approval = asked_id(await say(env, agent, "alice", "complete all tasks"))
    token = env.signer().issue("alice", "user", 600)
    answers = await asyncio.gather(
        *(agent.answer_approval(token, "alice", approval, True) for _ in range(4))
    )
    made = [a for a in answers if a.startswith("Marked 3 tasks as done")]
    assert len(made) == 1, answers
    others = [a for a in answers if a not in made]
    assert all(a.startswith("That was approved already: Marked 3") for a in others), answers
    done = await instance(agent, approval, "alice")
    assert done.history.count("approved") == 1 and done.history[-1] == "completed"
    assert await titles(env, "alice", "completed") == ["a1", "a2", "a3"]
    # one undo step, kept once
    convo, _ = await agent.memory.load("alice", "c1")
    assert [step.label for step in convo.undo] == ["bulk complete"]


async def test_timeout_expires_and_tells(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, approval_timeout_seconds=1.0)
    async with embedded_env(settings, with_ui=True) as env:
        agent = env.gateway.ui.state.chat.agent
        await add(env, "alice", "draft")
        approval = asked_id(await say(env, agent, "alice", "delete draft"))

        async def expired() -> ApprovalInstance | None:
            found = await instance(agent, approval, "alice")
            return found if found.status == "expired" else None

        # the timer job fires chat-ui's /job route; no answer is needed for it to expire
        gone = await eventually(expired, what="the approval to time out")
        assert gone.history == ["started", "timed out"]
        assert reply_of(await say(env, agent, "alice", "yes")) == EXPIRED
        assert await titles(env, "alice") == ["draft"]


async def test_pending_approval_survives_a_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    async with embedded_env(settings) as env:
        await add(env, "alice", "invoice")
        await add(env, "alice", "receipt")
        await add(env, "alice", "keep")
        by_reply = asked_id(await say(env, offline_agent(env), "alice", "delete invoice"))
    async with embedded_env(settings) as env:  # a new process: nothing held in memory
        agent = offline_agent(env)
        assert (await instance(agent, by_reply, "alice")).status == "waiting"
        assert reply_of(await say(env, agent, "alice", "yes")) == "Deleted 'invoice'."
        by_button = asked_id(await say(env, agent, "alice", "delete receipt"))
    async with embedded_env(settings) as env:
        agent = offline_agent(env)
        token = env.signer().issue("alice", "user", 600)
        assert await agent.answer_approval(token, "alice", by_button, True) == "Deleted 'receipt'."
        assert await titles(env, "alice") == ["keep"]


async def test_a_timer_firing_after_the_answer_changes_nothing(env: EmbeddedEnv) -> None:
    agent = offline_agent(env)
    await add(env, "alice", "x")
    approval = asked_id(await say(env, agent, "alice", "delete x"))
    await say(env, agent, "alice", "yes")
    assert await agent.approvals.expire(approval) is None
    final: Any = await instance(agent, approval, "alice")
    assert final.status == "completed"


async def test_emptying_a_list_waits_for_approval_and_cancel_keeps_it(env: EmbeddedEnv) -> None:
    agent = offline_agent(env)
    headers = env.user("alice")
    for title in ("eggs", "flour"):
        resp = await env.client.post(
            "/tasks", json={"title": title, "list_name": "Groceries"}, headers=headers
        )
        assert resp.status_code == 201, resp.text
    await add(env, "alice", "pay rent")
    token = env.signer().issue("alice", "user", 600)
    first = asked_id(await say(env, agent, "alice", "delete everything in my groceries list"))
    assert await agent.answer_approval(token, "alice", first, False) == REFUSED
    assert await titles(env, "alice") == ["eggs", "flour", "pay rent"]
    assert (await instance(agent, first, "alice")).status == "rejected"

    again = asked_id(await say(env, agent, "alice", "delete everything in my groceries list"))
    reply = await agent.answer_approval(token, "alice", again, True)
    assert reply == "Deleted 2 tasks: 'eggs', 'flour'.", reply
    assert await titles(env, "alice") == ["pay rent"]


async def test_a_change_cut_short_by_a_dead_process_is_finished_once(env: EmbeddedEnv) -> None:
    """A process that claimed an approval and died mid-change leaves it `applying`: the next
    approval takes it over once the lease has passed and finishes it; a fresh claim is left
    to the process that holds it."""
    runtime = env.runtime.for_app(AppId.CHAT_UI.value)
    workflow = offline_agent(env).approvals
    runs: list[dict[str, Any]] = []

    async def change(data: dict[str, Any]) -> dict[str, Any]:
        runs.append(data)
        return {"message": f"ran {len(runs)}"}

    started = await workflow.start("alice", "c1", "Delete 'x'?", {"verb": "delete"})
    key = state_key(started.instance_id)
    value, etag = await runtime.get_state(STATESTORE, key)
    claimed_now = {**value, "status": "applying", "claimed_at": utcnow().isoformat()}
    await runtime.save_state(STATESTORE, key, claimed_now, etag=etag)

    # an answer meeting a live claim waits for its outcome rather than running the change
    waiting = asyncio.create_task(
        workflow.raise_event(started.instance_id, "alice", APPROVED, change)
    )
    assert runs == []
    value, etag = await runtime.get_state(STATESTORE, key)
    stale = {**value, "claimed_at": (utcnow() - CLAIM_LEASE * 2).isoformat()}
    await runtime.save_state(STATESTORE, key, stale, etag=etag)  # its holder died

    # whichever answer meets the stale claim first takes it over; the change runs once
    taken_over = await workflow.raise_event(started.instance_id, "alice", APPROVED, change)
    assert (await waiting).status == "completed" and taken_over.status == "completed"
    assert runs == [{"verb": "delete"}]
    again = await workflow.raise_event(started.instance_id, "alice", APPROVED, change)
    assert again.result == {"message": "ran 1"} and len(runs) == 1
