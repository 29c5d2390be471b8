"""One agent turn for the signed-in user: loads memory, runs LLM or offline mode, saves."""

from __future__ import annotations

import asyncio
import math
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from agent import approvals
from agent.events import AgentEvent, ApprovalAsked, ToolFinished, TurnDone
from agent.memory import ConversationStore
from agent.offline import run_offline
from agent.prompts import system_prompt
from agent.task_client import TaskClient, ToolError
from agent.telemetry import traced_turn
from agent.tools import ToolContext
from backend_services.platform.approval_workflow import ApprovalWorkflow
from backend_services.platform.inputs import scrub
from backend_services.platform.runtime import Runtime
from backend_services.platform.token_bucket import RateLimiter

if TYPE_CHECKING:
    from agent.llm_loop import LLMLoop
    from backend_services.platform.config.concerns import LLMSettings


@dataclass(frozen=True)
class LLMConfig:
    base_url: str | None
    api_key: str
    model: str
    timeout: float
    tool_choice: str | None = None  # None: omitted (the server's default, "auto" on OpenAI)
    stream: bool = True

    @classmethod
    def from_settings(cls, settings: LLMSettings) -> LLMConfig | None:
        """LLM mode when a base URL or an API key is set; None: the offline parser."""
        if not settings.openai_base_url and not settings.openai_api_key:
            return None
        return cls(
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key or "not-needed",
            model=settings.openai_model,
            timeout=settings.openai_timeout,
            tool_choice=settings.openai_tool_choice,
            stream=settings.openai_stream,
        )


class Agent:
    def __init__(
        self,
        runtime: Runtime,
        llm: LLMConfig | None,
        max_chars: int = 4000,
        turns_per_minute: int = 30,
        approval_timeout: timedelta = timedelta(minutes=10),
    ) -> None:
        self.runtime = runtime
        self.approvals = ApprovalWorkflow(runtime, approval_timeout)
        self.turn_limit = RateLimiter(turns_per_minute)
        self.memory = ConversationStore(runtime)
        # held only while a turn runs: an idle conversation's lock is dropped with it
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self.max_chars = max_chars
        self.loop: LLMLoop | None = None
        if llm is not None:
            from openai import AsyncOpenAI  # LLM mode only: offline start-up stays light

            from agent.llm_loop import LLMLoop

            client = AsyncOpenAI(
                base_url=llm.base_url, api_key=llm.api_key, timeout=llm.timeout, max_retries=1
            )
            self.loop = LLMLoop(client, llm.model, llm.tool_choice, llm.stream)

    def _conversation_lock(self, user_id: str, conversation_id: str) -> asyncio.Lock:
        key = f"{user_id}:{conversation_id}"
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    @property
    def mode(self) -> str:
        return "llm" if self.loop else "offline"

    def turn(
        self,
        token: str,
        user_id: str,
        conversation_id: str,
        text: str,
        *,
        admitted: bool = False,
    ) -> AsyncIterator[AgentEvent]:
        """One turn. `admitted`: the caller already let this message through `admit` (the
        chat's socket entry does, before Chainlit stores it), so it is not counted twice."""
        return traced_turn(
            self.mode, self._turn(token, user_id, conversation_id, text, admitted=admitted)
        )

    def admit(self, user_id: str, text: str) -> str | None:
        """None when a message may start a turn (it then counts towards the user's turn
        rate), else the reply that refuses it: too long, or too many turns a minute."""
        text = scrub(text, multiline=True).strip()
        if len(text) > self.max_chars:
            return (
                f"That message is too long ({len(text)} characters); please keep "
                f"it under {self.max_chars}."
            )
        if not text:
            return None  # nothing to count: the turn answers with a hint
        wait = self.turn_limit.hit(user_id)
        if wait > 0:
            return (
                f"You're sending messages faster than I can keep up; please wait "
                f"{math.ceil(wait)} s and try again."
            )
        return None

    async def _turn(
        self, token: str, user_id: str, conversation_id: str, text: str, *, admitted: bool
    ) -> AsyncIterator[AgentEvent]:
        if not admitted and (refusal := self.admit(user_id, text)) is not None:
            yield TurnDone(refusal)
            return
        # chat is free text: what no field may hold (control characters, unpaired
        # surrogates) is dropped here rather than refused further down, newlines and tabs stay
        text = scrub(text, multiline=True).strip()
        if len(text) > self.max_chars:  # admitted elsewhere with another limit
            yield TurnDone(f"That message is too long; please keep it under {self.max_chars}.")
            return
        if not text:
            yield TurnDone("Say what you'd like to do, for example 'add buy milk tomorrow'.")
            return
        # one turn at a time per conversation in this process: two messages sent at once
        # are answered one after the other, each seeing the other's memory
        async with self._conversation_lock(user_id, conversation_id):
            client = TaskClient(self.runtime, token)
            try:
                me = await client.me()
            except ToolError as exc:
                yield TurnDone(f"Sorry: {exc}.")
                return
            convo, etag = await self.memory.load(user_id, conversation_id)
            ctx = ToolContext(
                client=client,
                timezone=me["timezone"],
                conversation=convo,
                approvals=self.approvals,
                user_id=user_id,
                conversation_id=conversation_id,
            )
            now = datetime.now(ZoneInfo(ctx.timezone))
            reply = ""
            messages: list[dict[str, Any]] = [
                {"role": "system", "content": system_prompt(now, ctx.timezone)},
                *convo.turns,
                {"role": "user", "content": text},
            ]
            # the LLM loop extends `messages` with its tool calls and their results
            events = (
                run_offline(ctx, text, now) if self.loop is None else self.loop.run(ctx, messages)
            )
            confirmation_asked = False
            async for event in events:
                if isinstance(event, ToolFinished) and event.needs_confirmation:
                    confirmation_asked = True
                if isinstance(event, TurnDone):
                    reply = event.reply
                yield event
            if not confirmation_asked and convo.pending is ctx.confirmable:
                # a confirmation is good for the very next turn only (an approval workflow's
                # card buttons stay good until it times out)
                convo.pending = None
            if confirmation_asked and convo.pending is not None and convo.pending.approval_id:
                yield ApprovalAsked(convo.pending.approval_id)
            last = messages[-1]
            if last["role"] != "assistant" or last.get("tool_calls"):
                messages.append({"role": "assistant", "content": reply})  # offline, or cut short
            convo.turns = messages[1:]  # the system prompt is rebuilt each turn (date, time zone)
            await self.memory.save(user_id, conversation_id, convo, etag)

    async def answer_approval(
        self, token: str, user_id: str, approval_id: str, approved: bool
    ) -> str:
        """An Approve / Cancel button on a question's card: the answer raised on the approval
        workflow (only the person who was asked can answer it); the words to show."""
        try:
            asked = await self.approvals.status(approval_id, user_id)
        except approvals.ApprovalNotFound:
            return "That question is no longer open, so nothing was changed."
        conversation_id = asked.conversation_id
        async with self._conversation_lock(user_id, conversation_id):
            convo, etag = await self.memory.load(user_id, conversation_id)
            ctx = ToolContext(
                client=TaskClient(self.runtime, token),
                timezone="UTC",  # the answer's words hold no times
                conversation=convo,
                approvals=self.approvals,
                user_id=user_id,
                conversation_id=conversation_id,
            )
            _done, reply = await approvals.answer(ctx, approval_id, approved)
            convo.turns.append({"role": "assistant", "content": reply})
            await self.memory.save(user_id, conversation_id, convo, etag)
        return reply
