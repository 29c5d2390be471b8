"""The agent's tools over MCP (streamable HTTP), for other agents: IDE assistants, desktop
LLM clients. Same registry (`agent.tools.REGISTRY`), same pydantic argument models as the
single source of the input schemas, same task client, same per-user memory.

Every HTTP request must carry `Authorization: Bearer todo_pat_…` (a personal access token).
The caller is whoever task-service says the token belongs to (`GET /me` with that token), and
every tool call then reaches task-service with that same token: no tool takes a user, and the
user never comes from the arguments. A revoked, expired, unknown or non-PAT token gets 401
before any MCP message is read.

Stateless transport with JSON responses: any replica can answer any request (no session to
pin). There are no server-initiated messages, so there is no SSE stream either: `GET /mcp`
(which would hold a connection open for ever) is 405, as the transport allows.
Memory ("it", "the second one", the delete confirmation) lives in the state store, one
conversation per token, so it survives replicas and restarts.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from mcp import types
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from agent.memory import ConversationStore
from agent.task_client import TaskClient
from agent.tools import REGISTRY, ToolContext, ToolResult, run_tool
from backend_services.contracts import AppId
from backend_services.kernel.tokens import PREFIX as PAT_PREFIX
from backend_services.platform.auth import is_token_text
from backend_services.platform.runtime import Runtime, RuntimeUnavailable

log = logging.getLogger("todo.mcp")

MCP_PATH = "/mcp"
CALLER_KEY = "todo_mcp_caller"  # where the guard leaves the caller in the request's state
INSTRUCTIONS = (
    "The user's to-do list: add, list, update, complete, reopen and delete tasks, reminders, "
    "repeats (RFC 5545 RRULE) and time zone. Times without an offset are the user's local "
    "time. delete_task asks first: call it again with confirmed=true only after the user "
    "agreed. Task references: an id, title words, or 'it' / 'the second one' (what this "
    "token's last calls touched or listed)."
)


@dataclass(frozen=True)
class Caller:
    token: str
    user_id: str
    timezone: str

    @property
    def conversation_id(self) -> str:
        # one memory per token (per connected client); a digest, never the secret itself
        return "mcp-" + hashlib.sha256(self.token.encode()).hexdigest()[:24]


def tool_definitions() -> list[types.Tool]:
    """The MCP tools, their input schemas derived from the tools' pydantic models."""
    return [
        types.Tool(
            name=spec.name,
            description=(spec.args.__doc__ or "").strip(),
            inputSchema=spec.args.model_json_schema(),
        )
        for spec in REGISTRY.values()
    ]


def tool_result(result: ToolResult) -> types.CallToolResult:
    """What the chat's model sees (`for_model`), as text and as structured content."""
    payload = result.for_model()
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=json.dumps(payload, default=str))],
        structuredContent=json.loads(json.dumps(payload, default=str)),
        isError=not result.ok,
    )


class McpEndpoint:
    """The ASGI app served at `/mcp`: the bearer check, then the MCP transport."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.memory = ConversationStore(runtime)
        self.server: Server[Any, Any] = Server(
            "todo-assistant", version="0.1.0", instructions=INSTRUCTIONS
        )
        self.server.list_tools()(self._list_tools)
        # arguments are checked by the tools' own pydantic models (clear messages, the same
        # bounds as in the chat), not by a second JSON-schema pass
        self.server.call_tool(validate_input=False)(self._call_tool)
        self.sessions: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The transport's task group; one manager per start (it cannot be restarted)."""
        self.sessions = StreamableHTTPSessionManager(
            self.server, json_response=True, stateless=True
        )
        async with self.sessions.run():
            try:
                yield
            finally:
                self.sessions = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if self.sessions is None:
            await _plain(send, 503, "the MCP endpoint is not running")
            return
        if scope.get("method") == "GET":  # the SSE stream: nothing would ever be sent on it
            await _plain(
                send, 405, "no server-initiated stream: POST requests only", [(b"allow", b"POST")]
            )
            return
        request = Request(scope)
        token = _bearer(request.headers.get("authorization"))
        if token is None or not token.startswith(PAT_PREFIX):
            await _refuse(send, "a personal access token is required (Bearer todo_pat_…)")
            return
        status, me = await self._whoami(token)
        if status in (401, 403):
            await _refuse(send, str(me.get("detail") or "unknown, revoked or expired token"))
            return
        if status != 200:
            await _plain(send, 503, "the task service is unavailable right now")
            return
        scope.setdefault("state", {})[CALLER_KEY] = Caller(token, me["id"], me["timezone"])
        await self.sessions.handle_request(scope, receive, send)

    async def _whoami(self, token: str) -> tuple[int, dict[str, Any]]:
        try:
            result = await self.runtime.invoke(
                AppId.TASKS.value,
                "me",
                http_method="GET",
                headers={"authorization": f"Bearer {token}"},
            )
        except RuntimeUnavailable:
            return 503, {}
        body = result.body if isinstance(result.body, dict) else {}
        return result.status_code, body

    async def _list_tools(self) -> list[types.Tool]:
        return tool_definitions()

    async def _call_tool(self, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        request = self.server.request_context.request
        caller = getattr(request.state, CALLER_KEY, None) if isinstance(request, Request) else None
        if not isinstance(caller, Caller):  # never reached through McpEndpoint
            return tool_result(ToolResult(False, "not signed in"))
        convo, etag = await self.memory.load(caller.user_id, caller.conversation_id)
        ctx = ToolContext(
            client=TaskClient(self.runtime, caller.token),
            timezone=caller.timezone,
            conversation=convo,
        )
        result = await run_tool(ctx, name, arguments)
        if not result.needs_confirmation:
            convo.pending = None  # a confirmation holds for the very next call only
        await self.memory.save(caller.user_id, caller.conversation_id, convo, etag)
        return tool_result(result)


def _bearer(header: str | None) -> str | None:
    """The bearer token, or None when there is none or it is not printable ASCII (no token
    is: a byte beyond it could not even be passed on to the task service)."""
    if not header or not is_token_text(header):
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


async def _refuse(send: Send, reason: str) -> None:
    log.warning("401 %s: %s", MCP_PATH, reason)
    await _plain(send, 401, reason, [(b"www-authenticate", b'Bearer realm="todo-assistant"')])


async def _plain(
    send: Send, status: int, message: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    error = {401: "unauthorized", 405: "method_not_allowed"}.get(status, "unavailable")
    body = json.dumps({"error": error, "message": message}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
