"""A local OpenAI-compatible server for tests: scripted Chat Completions replies over real HTTP.

`POST /v1/chat/completions` answers with the next scripted `Reply`, as one JSON body or, when
the request asks for `stream: true`, as SSE chunks the way OpenAI streams them: the role first,
content in pieces, each tool call's id and name in its first fragment and its arguments split
across several chunks, a finish chunk, a usage chunk with empty `choices`, then `data: [DONE]`.
Replies can also be errors (any status) or slow (for client timeouts). Every request body is
kept in `requests` for assertions.

`flavor` makes the server behave like a real OpenAI-compatible server does, including what it
refuses, so the agent is tested against the rule rather than against our own habits:
- "llama.cpp": an assistant message with `content: null` is answered with HTTP 500 (its chat
  template parser needs a string), as llama-server does.
- "vllm": `tool_choice: "auto"` is refused with HTTP 400 unless the server was started with
  `--enable-auto-tool-choice` (`auto_tool_choice`); content deltas are explicit nulls and the
  deltas of parallel tool calls arrive interleaved.
- "ollama": each tool call arrives whole in one chunk, all of them in one delta, without `index`.
- "no-stream": `stream: true` is refused with HTTP 400 (servers or proxies that only answer whole).
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: str  # raw JSON text, possibly deliberately malformed

    @classmethod
    def of(cls, name: str, **args: Any) -> ToolCall:
        return cls(name, json.dumps(args))


@dataclass(frozen=True)
class Reply:
    content: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    status: int = 200
    delay: float = 0.0
    chunk_size: int = 5  # characters of arguments/content per streamed chunk


def say(text: str) -> Reply:
    return Reply(content=text)


def call(name: str, **args: Any) -> Reply:
    return Reply(tool_calls=(ToolCall.of(name, **args),))


def calls(*tool_calls: ToolCall) -> Reply:
    return Reply(tool_calls=tuple(tool_calls))


def failure(status: int = 500) -> Reply:
    return Reply(status=status)


def slow(seconds: float, text: str = "too late") -> Reply:
    return Reply(content=text, delay=seconds)


FLAVORS = ("openai", "llama.cpp", "vllm", "ollama", "no-stream")


@dataclass
class FakeOpenAI:
    script: deque[Reply] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    fallback: Reply = field(default_factory=lambda: say("(script exhausted)"))
    url: str = ""
    flavor: str = "openai"
    auto_tool_choice: bool = False  # vLLM's --enable-auto-tool-choice
    # llama.cpp's server answers HTTP 500 to a message whose `content` is null (OpenAI accepts
    # it on assistant tool-call messages); on by default so every test holds for both
    refuse_null_content: bool = True

    def add(self, *replies: Reply) -> None:
        self.script.extend(replies)

    def reset(self) -> None:
        self.script.clear()
        self.requests.clear()
        self.flavor = "openai"
        self.auto_tool_choice = False

    def refusal(self, body: dict[str, Any]) -> JSONResponse | None:
        """What the imitated server refuses before it ever runs the model."""
        if self.refuse_null_content or self.flavor == "llama.cpp":
            for message in body.get("messages", []):
                if isinstance(message, dict) and message.get("content", "") is None:
                    # llama-server fails parsing the message for its chat template
                    return _error(
                        500,
                        "[json.exception.type_error.302] type must be string, but is null",
                        "server_error",
                    )
        if (
            self.flavor == "vllm"
            and body.get("tool_choice") == "auto"
            and not self.auto_tool_choice
        ):
            return _error(
                400,
                '"auto" tool choice requires --enable-auto-tool-choice and '
                "--tool-call-parser to be set",
                "BadRequestError",
            )
        if self.flavor == "no-stream" and body.get("stream"):
            return _error(400, "streaming is not supported", "invalid_request_error")
        return None

    def next_reply(self) -> Reply:
        return self.script.popleft() if self.script else self.fallback

    def tool_messages(self, request_index: int = -1) -> list[dict[str, Any]]:
        """The `role: tool` messages of the current turn (after the last user message) that
        the agent sent in one request; earlier turns' results are in `requests` too."""
        messages = self.requests[request_index]["messages"]
        last_user = max(i for i, m in enumerate(messages) if m.get("role") == "user")
        return [m for m in messages[last_user:] if m.get("role") == "tool"]

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def completions(request: Request) -> Response:
            body = await request.json()
            self.requests.append(body)
            refused = self.refusal(body)
            if refused is not None:
                return refused
            reply = self.next_reply()
            if reply.delay:
                await asyncio.sleep(reply.delay)
            if reply.status != 200:
                return JSONResponse(
                    {"error": {"message": "scripted failure", "type": "server_error"}},
                    status_code=reply.status,
                    headers={"retry-after-ms": "10"},
                )
            model = body.get("model", "fake")
            if body.get("stream"):
                return StreamingResponse(
                    _sse(reply, model, self.flavor), media_type="text/event-stream"
                )
            return JSONResponse(_completion(reply, model))

        return app


def _error(status: int, message: str, kind: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status)


def _completion(reply: Reply, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": f"call_{i}_{uuid.uuid4().hex[:8]}",
                "type": "function",
                "function": {"name": tc.name, "arguments": tc.arguments},
            }
            for i, tc in enumerate(reply.tool_calls)
        ]
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


async def _sse(reply: Reply, model: str, flavor: str = "openai") -> AsyncIterator[str]:
    base = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return f"data: {json.dumps({**base, 'choices': [choice]})}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    if reply.content:
        for piece in _pieces(reply.content, reply.chunk_size):
            yield chunk({"content": piece})
    ids = [f"call_{i}_{uuid.uuid4().hex[:8]}" for i in range(len(reply.tool_calls))]
    if flavor == "ollama" and reply.tool_calls:
        whole = [
            {
                "id": ids[i],
                "type": "function",
                "function": {"name": tc.name, "arguments": tc.arguments},
            }
            for i, tc in enumerate(reply.tool_calls)
        ]
        yield chunk({"tool_calls": whole})
    elif flavor == "vllm":
        # every call's fragments, round-robin across calls, with explicit null content
        streams = [
            [
                {
                    "index": i,
                    "id": ids[i],
                    "type": "function",
                    "function": {"name": tc.name, "arguments": ""},
                }
            ]
            + [
                {"index": i, "function": {"arguments": piece}}
                for piece in _pieces(tc.arguments, reply.chunk_size)
            ]
            for i, tc in enumerate(reply.tool_calls)
        ]
        for step in range(max((len(s) for s in streams), default=0)):
            for fragments in streams:
                if step < len(fragments):
                    yield chunk({"content": None, "tool_calls": [fragments[step]]})
    else:
        for index, tc in enumerate(reply.tool_calls):
            first = {
                "index": index,
                "id": ids[index],
                "type": "function",
                "function": {"name": tc.name, "arguments": ""},
            }
            yield chunk({"tool_calls": [first]})
            for piece in _pieces(tc.arguments, reply.chunk_size):
                yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    yield chunk({}, "tool_calls" if reply.tool_calls else "stop")
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    yield f"data: {json.dumps({**base, 'choices': [], 'usage': usage})}\n\n"
    yield "data: [DONE]\n\n"


@contextmanager
def serve_fake_openai() -> Iterator[FakeOpenAI]:
    """Run the fake on 127.0.0.1 (a free port) in a thread; `fake.url` is the base URL."""
    fake = FakeOpenAI()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        fake.app(), log_level="warning", lifespan="off", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("fake OpenAI server did not start")
        time.sleep(0.01)
    fake.url = f"http://127.0.0.1:{port}/v1"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
