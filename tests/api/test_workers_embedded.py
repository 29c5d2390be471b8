"""Reminders, recurring tasks and notifications in embedded mode (issue 4)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from backend_services.contracts import AppId
from backend_services.reminder_service.models import ScheduledReminder, job_name
from tests.support.embedded_env import EmbeddedEnv, embedded_env, eventually, make_settings

pytestmark = pytest.mark.anyio


def iso(dt: datetime) -> str:
    return dt.isoformat()


async def notifications(env: EmbeddedEnv, headers: dict[str, str]) -> list[dict[str, Any]]:
    resp = await env.client.get("/notifications", headers=headers)
    assert resp.status_code == 200
    return list(resp.json())


def scheduled(env: EmbeddedEnv, reminder_id: str) -> ScheduledReminder | None:
    with Session(env.engine) as session:
        return session.get(ScheduledReminder, reminder_id)


async def test_reminder_fires_at_its_time_once(env: EmbeddedEnv) -> None:
    alice = env.user("alice", "Europe/Berlin")
    at = datetime.now(UTC) + timedelta(seconds=1.5)
    task = (
        await env.client.post(
            "/tasks", headers=alice, json={"title": "stretch", "reminders": [{"at": iso(at)}]}
        )
    ).json()
    rid = task["reminders"][0]["id"]

    notes = await eventually(lambda: notifications(env, alice), what="the notification")
    assert [n["title"] for n in notes] == ["stretch"]
    row = scheduled(env, rid)
    assert row is not None and row.fired_at is not None and row.fired_at >= row.remind_at

    # the task service hears about it too (ReminderTriggered on `reminders`)
    async def fired_on_task() -> bool:
        got = (await env.client.get(f"/tasks/{task['id']}", headers=alice)).json()
        return got["reminders"][0]["fired_at"] is not None

    await eventually(fired_on_task, what="fired_at on the task")
    # a second trigger of the same job (at-least-once) and a sweep change nothing
    await env.runtime.invoke(
        AppId.REMINDERS.value, f"job/{job_name(rid)}", http_method="POST", json={"reminder_id": rid}
    )
    await env.runtime.invoke(AppId.REMINDERS.value, "reminder-sweep", http_method="POST", json={})
    await asyncio.sleep(0.5)
    assert len(await notifications(env, alice)) == 1


async def test_moved_or_removed_reminder_never_fires_at_the_old_time(env: EmbeddedEnv) -> None:
    alice = env.user("alice")
    soon = datetime.now(UTC) + timedelta(seconds=2)
    moved = (
        await env.client.post(
            "/tasks",
            headers=alice,
            json={
                "title": "moved",
                "due_at": iso(soon + timedelta(minutes=10)),
                "reminders": [{"before_minutes": 10}],
            },
        )
    ).json()
    removed = (
        await env.client.post(
            "/tasks", headers=alice, json={"title": "removed", "reminders": [{"at": iso(soon)}]}
        )
    ).json()
    completed = (
        await env.client.post(
            "/tasks", headers=alice, json={"title": "completed", "reminders": [{"at": iso(soon)}]}
        )
    ).json()
    deleted = (
        await env.client.post(
            "/tasks", headers=alice, json={"title": "deleted", "reminders": [{"at": iso(soon)}]}
        )
    ).json()
    control = (
        await env.client.post(
            "/tasks", headers=alice, json={"title": "control", "reminders": [{"at": iso(soon)}]}
        )
    ).json()

    await env.client.patch(
        f"/tasks/{moved['id']}", headers=alice, json={"due_at": iso(soon + timedelta(hours=2))}
    )
    rid = removed["reminders"][0]["id"]
    await env.client.delete(f"/tasks/{removed['id']}/reminders/{rid}", headers=alice)
    await env.client.post(f"/tasks/{completed['id']}/complete", headers=alice)
    await env.client.delete(f"/tasks/{deleted['id']}", headers=alice)

    notes = await eventually(lambda: notifications(env, alice), what="control notification")
    await asyncio.sleep(1.0)  # anything else due at the old time would have fired with it
    notes = await notifications(env, alice)
    assert [n["title"] for n in notes] == ["control"]
    row = scheduled(env, moved["reminders"][0]["id"])
    assert row is not None and row.fired_at is None
    assert row.remind_at == soon + timedelta(hours=2) - timedelta(minutes=10)
    assert control["title"] == "control"


async def due_reminder_without_job(env: EmbeddedEnv, user: dict[str, str], title: str) -> str:
    """A reminder due a second from now whose Dapr job is deleted behind the service's back;
    returns its id once its time has passed."""
    at = datetime.now(UTC) + timedelta(seconds=1)
    task = (
        await env.client.post(
            "/tasks", headers=user, json={"title": title, "reminders": [{"at": iso(at)}]}
        )
    ).json()
    rid = str(task["reminders"][0]["id"])
    jobs = env.runtime.for_app(AppId.REMINDERS.value)

    async def job_exists() -> bool:
        return await jobs.get_job(job_name(rid)) is not None

    await eventually(job_exists, what="the job")
    await jobs.delete_job(job_name(rid))
    while datetime.now(UTC) <= at:
        await asyncio.sleep(0.1)
    return rid


async def sweep(env: EmbeddedEnv) -> Any:
    swept = await env.runtime.invoke(
        AppId.REMINDERS.value, "reminder-sweep", http_method="POST", json={}
    )
    return swept.body


async def test_sweep_fires_a_reminder_whose_job_was_lost(env: EmbeddedEnv) -> None:
    alice = env.user("alice")
    await due_reminder_without_job(env, alice, "lost job")
    assert await notifications(env, alice) == []
    assert await sweep(env) == {"fired": 1}
    notes = await eventually(lambda: notifications(env, alice), what="swept notification")
    assert [n["title"] for n in notes] == ["lost job"]
    assert await sweep(env) == {"fired": 0}


async def test_sweep_leaves_a_just_due_reminder_to_its_job(tmp_path: Path) -> None:
    """Within the grace period the sweep does not take a reminder from its job (a job a
    little late after a scheduler restart keeps its turn); past it, the sweep rescues it."""
    settings = make_settings(tmp_path, reminder_sweep_grace_seconds=3600.0)
    async with embedded_env(settings) as env:
        rid = await due_reminder_without_job(env, env.user("alice"), "slow job")
        assert await sweep(env) == {"fired": 0}
        row = scheduled(env, rid)
        assert row is not None and row.fired_at is None

        env.settings.reminder_sweep_grace_seconds = 0.0  # the grace is over
        assert await sweep(env) == {"fired": 1}


async def test_notification_ack_and_isolation(env: EmbeddedEnv) -> None:
    alice, bob = env.user("alice"), env.user("bob")
    await env.client.post(
        "/tasks",
        headers=alice,
        json={
            "title": "ping",
            "reminders": [{"at": iso(datetime.now(UTC) + timedelta(seconds=0.5))}],
        },
    )
    note = (await eventually(lambda: notifications(env, alice), what="notification"))[0]
    assert await notifications(env, bob) == []
    assert (
        await env.client.post(f"/notifications/{note['id']}/ack", headers=bob)
    ).status_code == 404
    acked = (await env.client.post(f"/notifications/{note['id']}/ack", headers=alice)).json()
    assert acked["acked_at"] is not None
    unacked = (
        await env.client.get("/notifications", params={"unacked": "true"}, headers=alice)
    ).json()
    assert unacked == []


async def successors(env: EmbeddedEnv, headers: dict[str, str], title: str) -> list[dict]:
    items = (
        await env.client.get(
            "/tasks", params={"q": title, "sort": "due", "limit": 50}, headers=headers
        )
    ).json()["items"]
    return [t for t in items if t["title"] == title]


async def test_next_occurrence_follows_the_completed_one_across_dst(env: EmbeddedEnv) -> None:
    ny = env.user("nina", "America/New_York")
    # Saturday 2026-03-07 09:00 EST; US clocks go forward on Sunday 2026-03-08.
    first = datetime(2026, 3, 7, 14, 0, tzinfo=UTC)
    task = (
        await env.client.post(
            "/tasks",
            headers=ny,
            json={
                "title": "stretch",
                "due_at": iso(first),
                "recurrence": "FREQ=DAILY;COUNT=3",
                "tags": ["health"],
                "priority": "high",
                "description": "10 min",
                "reminders": [{"before_minutes": 15}],
            },
        )
    ).json()
    await env.client.post(f"/tasks/{task['id']}/complete", headers=ny)

    async def two() -> list[dict] | None:
        found = await successors(env, ny, "stretch")
        return found if len(found) == 2 else None

    series = await eventually(two, what="second occurrence")
    nxt = series[1]
    # the next instance after the completed occurrence (not after now), 09:00 EDT = 13:00Z
    assert datetime.fromisoformat(nxt["due_at"]) == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)
    assert (nxt["tags"], nxt["priority"], nxt["recurrence"]) == (
        ["health"],
        "high",
        "FREQ=DAILY;COUNT=3",
    )
    assert datetime.fromisoformat(nxt["reminders"][0]["at"]) == datetime(
        2026, 3, 8, 12, 45, tzinfo=UTC
    )

    # complete → reopen → complete again: still one successor, no fork
    await env.client.post(f"/tasks/{task['id']}/reopen", headers=ny)
    await env.client.post(f"/tasks/{task['id']}/complete", headers=ny)
    await env.client.post(f"/tasks/{nxt['id']}/complete", headers=ny)

    async def three() -> list[dict] | None:
        found = await successors(env, ny, "stretch")
        return found if len(found) == 3 else None

    series = await eventually(three, what="third occurrence")
    third = series[2]
    await env.client.post(f"/tasks/{third['id']}/complete", headers=ny)
    marker = (await env.client.post("/tasks", headers=ny, json={"title": "marker"})).json()

    async def marker_done() -> bool:
        with Session(env.engine) as session:
            return (
                session.exec(
                    select(ScheduledReminder).where(ScheduledReminder.task_id == third["id"])
                ).first()
                is not None
            )

    await eventually(marker_done, what="events processed")
    await asyncio.sleep(0.5)
    # COUNT=3 ends the series; duplicates of completions never added a fourth
    assert len(await successors(env, ny, "stretch")) == 3
    assert marker["title"] == "marker"
