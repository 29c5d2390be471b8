"""LLM mode: a bounded Chat Completions tool loop with streaming, over any
OpenAI-compatible server. Errors end the turn with a polite reply, never a crash."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import openai
from openai import AsyncOpenAI, AsyncStream
from openai.types.chat import ChatCompletion, ChatCompletionChunk

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


@dataclass
class _Answer:
    """One model answer, assembled from a stream or read whole."""

    text: list[str] = field(default_factory=list)
    calls: list[_PendingCall] = field(default_factory=list)

    def add_deltas(self, tool_calls: list[Any]) -> None:
        """Fold streamed tool-call fragments: the id and name come in a call's first fragment,
        its arguments in any number of later ones. Servers that omit `index` (older Ollama)
        send each call whole, so a fragment without an index and with an id starts a call."""
        for tc in tool_calls:
            index = getattr(tc, "index", None)
            if index is None:
                if tc.id or not self.calls:
                    self.calls.append(_PendingCall())
                pending = self.calls[-1]
            else:
                while len(self.calls) <= index:
                    self.calls.append(_PendingCall())
                pending = self.calls[index]
            if tc.id:
                pending.id = tc.id
            if tc.function and tc.function.name:
                pending.name = tc.function.name
            if tc.function and tc.function.arguments:
                pending.arguments.append(tc.function.arguments)


class LLMLoop:
    def __init__(
        self,
        client: AsyncOpenAI,
        model: str,
        tool_choice: str | None = None,
        stream: bool = True,
    ) -> None:
        self.client = client
        self.model = model
        self.tools = openai_tools()
        self.tool_names = {t["function"]["name"] for t in self.tools}
        # omitted by default: OpenAI then picks "auto", while vLLM refuses an explicit
        # "auto" unless started with --enable-auto-tool-choice
        self.tool_choice = tool_choice
        self.stream = stream

    async def _create(self, body: dict[str, Any]) -> Any:
        """`chat.completions.create` without the SDK's request transform: it walks every
        message and the tool schemas against the SDK's TypedDicts on each call (py-spy: most
        of the agent's own CPU per turn, growing with the conversation), to return the very
        same plain JSON we built. The client's own `post` keeps its auth, retries, timeout,
        errors and the typed (streamed) response."""
        stream = bool(body.get("stream"))
        return await self.client.post(
            "/chat/completions",
            body={"model": self.model, "tools": self.tools, **body},
            cast_to=ChatCompletion,
            options={"security": {"bearer_auth": True}},
            stream=stream,
            stream_cls=AsyncStream[ChatCompletionChunk],
        )

    async def _ask(
        self, messages: list[dict[str, Any]], answer: _Answer
    ) -> AsyncIterator[AgentEvent]:
        extra: dict[str, Any] = {"tool_choice": self.tool_choice} if self.tool_choice else {}
        fallback = False
        if self.stream:
            held: list[str] = []  # text that may be a tool call written out as JSON
            try:
                stream = traced_llm_stream(
                    self.model, self._create({"messages": messages, "stream": True, **extra})
                )
                async for chunk in stream:
                    if not chunk.choices:
                        continue
                    delta = chunk.choices[0].delta
                    if delta.content:
                        answer.text.append(delta.content)
                        if "".join(answer.text).lstrip().startswith(("{", "`")):
                            held.append(delta.content)  # shown only once known not a call
                        else:
                            yield TextDelta(delta.content)
                    answer.add_deltas(delta.tool_calls or [])
            except openai.BadRequestError as exc:
                # perhaps a server that only answers whole: ask again without streaming, and
                # keep to that if it works (a refusal for any other reason fails again below)
                log.info("streamed request refused (%s); asking for a whole answer", exc)
                fallback = True
            else:
                if held and not _text_call(answer, self.tool_names):
                    yield TextDelta("".join(held))
                return
        whole = await self._create({"messages": messages, **extra})
        if fallback:
            self.stream = False
        message = whole.choices[0].message
        if message.content:
            answer.text.append(message.content)
            if not _text_call(answer, self.tool_names):
                yield TextDelta(message.content)
        for tc in message.tool_calls or []:
            function = getattr(tc, "function", None)
            answer.calls.append(
                _PendingCall(
                    id=tc.id,
                    name=function.name if function else "",
                    arguments=[function.arguments] if function else [],
                )
            )

    async def run(
        self, ctx: ToolContext, messages: list[dict[str, Any]]
    ) -> AsyncIterator[AgentEvent]:
        """`messages` (system + history + the user's message) is extended in place."""
        for _ in range(MAX_ROUNDS):
            answer = _Answer()
            try:
                async for event in self._ask(messages, answer):
                    yield event
            except openai.OpenAIError as exc:
                log.warning("LLM call failed: %s", exc)
                yield TurnDone(SORRY)
                return
            text = "".join(answer.text)
            written = _text_call(answer, self.tool_names)
            if written is not None:
                text, answer.calls = "", [written]
            if not answer.calls:
                yield TurnDone(text)
                messages.append({"role": "assistant", "content": text})
                return
            for n, call in enumerate(answer.calls):
                call.id = call.id or f"call_{uuid.uuid4().hex[:12]}_{n}"
            messages.append(
                {
                    # "" rather than null: llama.cpp answers a null content with HTTP 500
                    "role": "assistant",
                    "content": text,
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": "".join(c.arguments)},
                        }
                        for c in answer.calls
                    ],
                }
            )
            for call in answer.calls:
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


def _text_call(answer: _Answer, tool_names: set[str]) -> _PendingCall | None:
    """A model without a tool-call template may write the call as its reply:
    `{"name": "add_task", "arguments": {...}}`, possibly in a ```json fence. Only an object
    naming one of our tools counts; any other text stays the reply."""
    if answer.calls:
        return None
    text = "".join(answer.text).strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict) or value.get("name") not in tool_names:
        return None
    args = value.get("arguments", value.get("parameters", {}))
    if isinstance(args, str):
        args = _safe_json(args)
    if not isinstance(args, dict):
        return None
    return _PendingCall(name=value["name"], arguments=[json.dumps(args)])


def _safe_json(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {"_raw": raw[:500]}
    return value if isinstance(value, dict) else {"_value": value}
