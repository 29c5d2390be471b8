"""Approval gates as durable workflows: a change waits for the person's yes, with a timeout.

One workflow kind, one contract, both runtimes: `start` (a change proposed, a timer set),
`raise_event` (the person's approval or refusal: a chat card's button or a yes/no reply),
`status`, and `expire` (the timer fired). An instance is a record in the runtime's state
store (PostgreSQL under daprd, the `embedded_state` table in one process) and its timeout a
job (the Dapr scheduler, the `embedded_jobs` table), so a pending approval outlives restarts
of the app and its sidecar, and any replica can answer it.

Every step is a compare-and-set on the record's ETag, so it happens once: of two approvals
(a double click, a button and a "yes", two replicas) one claims the instance and runs the
change, the other reads the outcome. The change (the activity) is given with the approval and
runs with the approver's credentials; a claim left by a process that died mid-change is taken
over after `CLAIM_LEASE` by the next approval, which runs the change again: activities are
written to be repeatable (a task already gone or done is skipped). Why not the Dapr Workflow
engine in daprd: docs/architecture.md, "Approval gates".
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from backend_services.contracts import STATESTORE
from backend_services.platform.runtime import Runtime, RuntimeUnavailable, StateConflict
from backend_services.platform.timeutil import utcnow

log = logging.getLogger("todo.approvals")

Status = Literal["waiting", "applying", "completed", "rejected", "expired"]
FINAL: frozenset[str] = frozenset({"completed", "rejected", "expired"})
APPROVED = "approved"  # the external events' names
REJECTED = "rejected"
JOB_PREFIX = "approval-timeout-"
CLAIM_LEASE = timedelta(seconds=60)  # a change not finished in this long: its process died
CAS_ATTEMPTS = 16

Activity = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class ApprovalNotFound(Exception):
    """No such approval for this person (never told apart from another person's)."""


class ApprovalInstance(BaseModel):
    instance_id: str
    owner: str  # the user id from the authenticated session that proposed the change
    conversation_id: str
    question: str  # what was asked, in words
    input: dict[str, Any]  # what the change is (the activity's argument)
    status: Status = "waiting"
    created_at: datetime
    deadline: datetime
    claimed_at: datetime | None = None
    result: dict[str, Any] | None = None
    history: list[str] = Field(default_factory=list)  # the events, in order


def state_key(instance_id: str) -> str:
    return f"approval:{instance_id}"


def job_name(instance_id: str) -> str:
    return f"{JOB_PREFIX}{instance_id}"


def instance_from_job(name: str) -> str | None:
    if not name.startswith(JOB_PREFIX):
        return None
    instance_id = name.removeprefix(JOB_PREFIX)
    return instance_id if _valid_id(instance_id) else None


def _valid_id(instance_id: str) -> bool:
    return len(instance_id) == 32 and all(c in "0123456789abcdef" for c in instance_id)


class ApprovalWorkflow:
    def __init__(self, runtime: Runtime, timeout: timedelta) -> None:
        self.runtime = runtime
        self.timeout = timeout

    async def start(
        self, owner: str, conversation_id: str, question: str, change: dict[str, Any]
    ) -> ApprovalInstance:
        now = utcnow()
        instance = ApprovalInstance(
            instance_id=uuid.uuid4().hex,
            owner=owner,
            conversation_id=conversation_id,
            question=question,
            input=change,
            created_at=now,
            deadline=now + self.timeout,
            history=["started"],
        )
        await self.runtime.save_state(
            STATESTORE, state_key(instance.instance_id), instance.model_dump(mode="json")
        )
        await self.runtime.schedule_job(
            job_name(instance.instance_id),
            instance.deadline,
            {"instance_id": instance.instance_id},
        )
        return instance

    async def _load(self, instance_id: str) -> tuple[ApprovalInstance | None, str | None]:
        if not _valid_id(instance_id):
            return None, None
        value, etag = await self.runtime.get_state(STATESTORE, state_key(instance_id))
        return (ApprovalInstance.model_validate(value) if value else None), etag

    async def _swap(self, instance: ApprovalInstance, etag: str | None) -> bool:
        """Save `instance` over the version read with `etag`; False when another got there."""
        try:
            await self.runtime.save_state(
                STATESTORE,
                state_key(instance.instance_id),
                instance.model_dump(mode="json"),
                etag=etag,
            )
        except StateConflict:
            return False
        return True

    async def status(self, instance_id: str, owner: str) -> ApprovalInstance:
        instance, _ = await self._load(instance_id)
        if instance is None or instance.owner != owner:
            raise ApprovalNotFound(instance_id)
        return instance

    async def raise_event(
        self, instance_id: str, owner: str, event: str, activity: Activity
    ) -> ApprovalInstance:
        """The person's answer (`APPROVED` or `REJECTED`). An approval of a waiting instance
        runs `activity(instance.input)` once and records its result; any other answer, or an
        answer to an instance already decided, changes nothing and returns it as it is."""
        if event not in (APPROVED, REJECTED):
            raise ValueError(f"unknown event {event!r}")
        for _attempt in range(CAS_ATTEMPTS):
            instance, etag = await self._load(instance_id)
            if instance is None or instance.owner != owner:
                raise ApprovalNotFound(instance_id)
            now = utcnow()
            if instance.status == "waiting" and now >= instance.deadline:
                await self._expire(instance, etag, now, drop_timer=True)  # the timer is late
                continue
            if instance.status in FINAL:
                return instance
            if instance.status == "applying":
                claimed = instance.claimed_at or instance.created_at
                if event == REJECTED or now - claimed < CLAIM_LEASE:
                    return await self._wait_applied(instance_id, owner)
            claimed_instance = instance.model_copy(deep=True)
            claimed_instance.history.append(event)
            if event == REJECTED:
                claimed_instance.status = "rejected"
                if await self._swap(claimed_instance, etag):
                    await self._drop_timer(instance_id)
                    return claimed_instance
                continue
            claimed_instance.status, claimed_instance.claimed_at = "applying", now
            if not await self._swap(claimed_instance, etag):
                continue  # another answer got there first: read what it did
            await self._drop_timer(instance_id)
            return await self._apply(claimed_instance, activity)
        raise RuntimeUnavailable(f"approval {instance_id}: too many concurrent answers")

    async def _apply(self, instance: ApprovalInstance, activity: Activity) -> ApprovalInstance:
        result = await activity(instance.input)
        for _attempt in range(CAS_ATTEMPTS):
            latest, etag = await self._load(instance.instance_id)
            if latest is None:
                raise ApprovalNotFound(instance.instance_id)
            if latest.status == "completed":
                return latest  # a takeover finished first; its result stands
            latest.status, latest.result = "completed", result
            latest.history.append("completed")
            if await self._swap(latest, etag):
                return latest
        raise RuntimeUnavailable(f"approval {instance.instance_id}: could not record the result")

    async def _wait_applied(self, instance_id: str, owner: str) -> ApprovalInstance:
        """Another answer is applying the change: its outcome, once recorded (or the
        instance as it is when that takes longer than the lease)."""
        deadline = asyncio.get_running_loop().time() + CLAIM_LEASE.total_seconds()
        while True:
            instance = await self.status(instance_id, owner)
            if instance.status != "applying" or asyncio.get_running_loop().time() > deadline:
                return instance
            await asyncio.sleep(0.1)

    async def expire(self, instance_id: str) -> ApprovalInstance | None:
        """The timer fired: a waiting instance becomes expired (the change is cancelled).
        Returns it when this call expired it (the person is then told), else None."""
        for _attempt in range(CAS_ATTEMPTS):
            instance, etag = await self._load(instance_id)
            if instance is None or instance.status != "waiting":
                return None
            if await self._expire(instance, etag, utcnow(), drop_timer=False):
                instance.status = "expired"
                return instance
        return None

    async def _expire(
        self, instance: ApprovalInstance, etag: str | None, now: datetime, *, drop_timer: bool
    ) -> bool:
        """`drop_timer`: False when called by the timer itself (a one-shot job, gone after)."""
        expired = instance.model_copy(deep=True)
        expired.status = "expired"
        expired.history.append("timed out")
        if not await self._swap(expired, etag):
            return False
        if drop_timer:
            await self._drop_timer(instance.instance_id)
        log.info("approval %s expired (asked at %s)", instance.instance_id, instance.created_at)
        return True

    async def _drop_timer(self, instance_id: str) -> None:
        try:
            await self.runtime.delete_job(job_name(instance_id))
        except RuntimeUnavailable:
            # the timer then fires on a decided instance, which changes nothing
            log.warning("approval %s: timer not deleted", instance_id)
