"""What an agent turn yields, for any front end (Chainlit, CLI, tests) to render."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ToolStarted:
    call_id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolFinished:
    call_id: str
    name: str
    ok: bool
    output: str
    needs_confirmation: bool = False


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class TurnDone:
    reply: str


@dataclass(frozen=True)
class ApprovalAsked:
    """The turn asked for a yes in an approval workflow (agent/approvals.py): a front end
    may offer Approve / Cancel buttons that answer it."""

    approval_id: str


AgentEvent = ToolStarted | ToolFinished | TextDelta | TurnDone | ApprovalAsked
