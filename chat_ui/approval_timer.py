"""The approval workflows' timer (backend_services/platform/approval_workflow.py) and the
chat's Approve / Cancel buttons on a question's card.

The timer is a job (the Dapr scheduler, the embedded jobs table) that calls chat-ui's
`POST /job/approval-timeout-<id>` at the deadline, a runtime-only route (the app token
guards it). A question still waiting then expires: nothing changes, and the person is told
in the chats this process holds (and on answering it later).
"""

from __future__ import annotations

import logging
from typing import Any

import chainlit as cl
from chainlit.context import init_ws_context
from chainlit.session import WebsocketSession
from fastapi import FastAPI
from pydantic import BaseModel, Field, ValidationError

from agent.approvals import EXPIRED
from agent.service import Agent
from backend_services.platform.approval_workflow import instance_from_job
from chat_ui.auth import is_live, session_stamp
from chat_ui.context import current

log = logging.getLogger("todo.chat.approvals")

APPROVE = "approval_approve"  # the action callbacks' names (chat_ui/app.py)
CANCEL = "approval_cancel"


class ApprovalAnswer(BaseModel):
    """A card button's payload: which question (anything else in it is ignored)."""

    approval_id: str = Field(pattern="^[0-9a-f]{32}$")  # an approval instance's id


def approval_buttons(approval_id: str) -> list[cl.Action]:
    payload = {"approval_id": approval_id}
    return [
        cl.Action(name=APPROVE, payload=payload, label="Approve"),
        cl.Action(name=CANCEL, payload=payload, label="Cancel"),
    ]


def approval_id_of(payload: Any) -> str | None:
    try:
        return ApprovalAnswer.model_validate(dict(payload)).approval_id
    except (ValidationError, TypeError, ValueError):
        return None


def mount_approval_timer(app: FastAPI, agent: Agent) -> None:
    @app.post("/job/{name}", include_in_schema=False)
    async def approval_timed_out(name: str) -> dict[str, str]:
        instance_id = instance_from_job(name)
        if instance_id is None:
            log.warning("job %s is not an approval timer; ignored", name)
            return {"status": "ignored"}
        expired = await agent.approvals.expire(instance_id)
        if expired is None:
            return {"status": "skipped"}  # answered before the deadline
        await tell_live(expired.owner, f"{EXPIRED} (You were asked: {expired.question})")
        return {"status": "expired"}


async def tell_live(user_id: str, text: str) -> int:
    """Say `text` in every live chat of `user_id` held by this process; how many."""
    told = 0
    for sid in current().sessions.of(user_id):
        session = WebsocketSession.get_by_id(sid)
        stamp = session_stamp(session) if session is not None else None
        if session is None or stamp is None or not await is_live(user_id, "user", stamp):
            continue
        init_ws_context(session)
        try:
            await cl.Message(content=text, author="Assistant").send()
            told += 1
        except Exception:
            log.exception("could not tell session %s", sid)
    return told
