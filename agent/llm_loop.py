"""LLM mode: a bounded Chat Completions tool loop with streaming, over any
OpenAI-compatible server. Errors end the turn with a polite reply, never a crash."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import openai
from openai import AsyncOpenAI

from agent.events import AgentEvent, TextDelta, ToolFinished, ToolStarted, TurnDone
from agent.telemetry import traced_llm_stream
from agent.tools import ToolContext, openai_tools, run_tool

log = logging.getLogger("todo.agent")

MAX_ROUNDS = 6
SORRY = "Sorry, I couldn't reach the language model just now. Please try again in a moment."


@dataclass
class _PendingCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class LLMLoop:
    def __init__(self, client: AsyncOpenAI, model: str) -> None:
        self.client = client
        self.model = model
        self.tools = openai_tools()

    async def run(
        self, ctx: ToolContext, messages: list[dict[str, Any]]
    ) -> AsyncIterator[AgentEvent]:
        """`messages` (system + history + the user's message) is extended in place."""
        for _ in range(MAX_ROUNDS):
            text_parts: list[str] = []
            calls: dict[int, _PendingCall] = {}
            try:
                stream = traced_llm_stream(
                    self.model,
                    self.client.chat.completions.create(
                        model=self.model,
                        messages=messages,  # type: ignore[arg-type]
                        tools=self.tools,
                        stream=True,
                    ),
                )
                async for chunk in stream:
                    if not chunk.choices:
                        continue
                    delta = chunk.choices[0].delta
                    if delta.content:
                        text_parts.append(delta.content)
                        yield TextDelta(delta.content)
                    for tc in delta.tool_calls or []:
                        pending = calls.setdefault(tc.index, _PendingCall())
                        if tc.id:
                            pending.id = tc.id
                        if tc.function and tc.function.name:
                            pending.name = tc.function.name
                        if tc.function and tc.function.arguments:
                            pending.arguments.append(tc.function.arguments)
            except openai.OpenAIError as exc:
                log.warning("LLM call failed: %s", exc)
                yield TurnDone(SORRY)
                return
            text = "".join(text_parts)
            if not calls:
                yield TurnDone(text)
                messages.append({"role": "assistant", "content": text})
                return
            ordered = [calls[i] for i in sorted(calls)]
            messages.append(
                {
                    "role": "assistant",
                    # "" rather than null: OpenAI takes either, llama.cpp's server refuses null
                    "content": text,
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": "".join(c.arguments)},
                        }
                        for c in ordered
                    ],
                }
            )
            for call in ordered:
                raw = "".join(call.arguments) or "{}"
                yield ToolStarted(call.id, call.name, _safe_json(raw))
                result = await run_tool(ctx, call.name, raw)
                yield ToolFinished(
                    call.id, call.name, result.ok, result.message, result.needs_confirmation
                )
                messages.append(
                    {
                        "role": "tool",
                        "tool_call_id": call.id,
                        "content": json.dumps(result.for_model(), default=str),
                    }
                )
        yield TurnDone("I stopped after too many steps; please rephrase what you need.")


def _safe_json(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {"_raw": raw[:500]}
    return value if isinstance(value, dict) else {"_value": value}
