"""The agent's tools over MCP (streamable HTTP), for other agents: IDE assistants, desktop
LLM clients. Same registry (`agent.tools.REGISTRY`), same pydantic argument models as the
single source of the input schemas, same task client, same per-user memory.

Every HTTP request must carry a bearer token: a personal access token (`todo_pat_…`) or an
OAuth access token (`todo_oat_…`) from the product's own authorization server
(`chat_ui/oauth_server.py`), bound to this /mcp URL (its audience is checked). The caller is
whoever task-service says the token belongs to, and every tool call then reaches task-service
with that same token: no tool takes a user, and the user never comes from the arguments. A
missing, revoked, expired, unknown or foreign token gets 401 with the MCP authorization
challenge (`WWW-Authenticate: Bearer resource_metadata=…`) before any MCP message is read; a
valid one never sees a challenge. A token with `tasks:read` only may call `list_tasks` only.
Host and Origin are checked first (`agent/host_guard.py`: DNS rebinding).

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
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from mcp import types
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from agent.host_guard import HostPolicy
from agent.memory import ConversationStore
from agent.task_client import TaskClient
from agent.tools import REGISTRY, ToolContext, ToolResult, run_tool
from backend_services.contracts import AppId
from backend_services.kernel.oauth_tokens import ACCESS_PREFIX as OAUTH_PREFIX
from backend_services.kernel.oauth_tokens import OAUTH_SCOPES, SCOPE_WRITE
from backend_services.kernel.tokens import PREFIX as PAT_PREFIX
from backend_services.platform.auth import is_token_text
from backend_services.platform.runtime import Runtime, RuntimeUnavailable

log = logging.getLogger("todo.mcp")

MCP_PATH = "/mcp"
CALLER_KEY = "todo_mcp_caller"  # where the guard leaves the caller in the request's state
INSTRUCTIONS = (
    "The user's to-do list: add, list, update, complete, reopen and delete tasks, reminders, "
    "repeats (RFC 5545 RRULE), deadlines (a date: 'by Friday'; due_at is when to do it) "
    "and durations, and time zone. Times without an offset are the user's local "
    "time. delete_task asks first: call it again with confirmed=true only after the user "
    "agreed. Task references: an id, title words, or 'it' / 'the second one' (what this "
    "token's last calls touched or listed)."
)


READ_ONLY_TOOLS = frozenset({"list_tasks"})  # what a `tasks:read` token may call


@dataclass(frozen=True)
class Caller:
    token: str
    user_id: str
    timezone: str
    can_write: bool = True
    memory_key: str | None = None  # an OAuth grant's id: its memory outlives each token

    @property
    def conversation_id(self) -> str:
        # one memory per token or grant (per connected client); a digest, never the secret
        key = self.memory_key or self.token
        return "mcp-" + hashlib.sha256(key.encode()).hexdigest()[:24]


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

    def __init__(
        self,
        runtime: Runtime,
        hosts: HostPolicy | None = None,
        service_token: Callable[[], str] | None = None,
    ) -> None:
        """`service_token`: chat-ui's own token, for task-service's OAuth introspection
        (None: OAuth access tokens are refused)."""
        self.runtime = runtime
        self.hosts = hosts or HostPolicy([])
        self.service_token = service_token
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
        request = Request(scope)
        refusal = self.hosts.refusal(request.headers)
        if refusal is not None:
            log.warning("403 %s: %s", MCP_PATH, refusal)
            await _plain(send, 403, refusal)
            return
        if scope.get("method") == "GET":  # the SSE stream: nothing would ever be sent on it
            await _plain(
                send, 405, "no server-initiated stream: POST requests only", [(b"allow", b"POST")]
            )
            return
        token = _bearer(request.headers.get("authorization"))
        challenge = _challenge(request, self.hosts)
        if token is None:
            await _refuse(send, "sign in: a bearer token is required", challenge)
            return
        if not token.startswith((PAT_PREFIX, OAUTH_PREFIX)):
            await _refuse(send, "not a token for this server", challenge, invalid=True)
            return
        status, caller, reason = await self._caller(token, request)
        if status in (401, 403):
            await _refuse(send, reason or "unknown, revoked or expired token", challenge, True)
            return
        if status != 200 or caller is None:
            await _plain(send, 503, "the task service is unavailable right now")
            return
        scope.setdefault("state", {})[CALLER_KEY] = caller
        await self.sessions.handle_request(scope, receive, send)

    async def _caller(self, token: str, request: Request) -> tuple[int, Caller | None, str]:
        """Who `token` is: (200, the caller, "") or (status, None, why)."""
        if not token.startswith(OAUTH_PREFIX):
            status, me = await self._whoami(token)
            if status != 200:
                return status, None, str(me.get("detail") or "")
            return 200, Caller(token, me["id"], me["timezone"]), ""
        status, grant = await self._introspect(token)
        if 400 <= status < 500:  # unknown, revoked, expired, malformed, disabled user
            return 401, None, str(grant.get("detail") or "")
        if status != 200:
            return status, None, ""
        if grant.get("resource") != _resource(request, self.hosts):
            return 401, None, "this token was issued for another resource (audience)"
        caller = Caller(
            token,
            grant["user_id"],
            grant["timezone"],
            can_write=SCOPE_WRITE in grant.get("scopes", []),
            memory_key=f"grant:{grant.get('grant_id')}",
        )
        return 200, caller, ""

    async def _introspect(self, token: str) -> tuple[int, dict[str, Any]]:
        if self.service_token is None:
            return 401, {"detail": "OAuth access tokens are not accepted here"}
        try:
            result = await self.runtime.invoke(
                AppId.TASKS.value,
                "internal/oauth/introspect",
                http_method="POST",
                json={"token": token},
                headers={"authorization": f"Bearer {self.service_token()}"},
            )
        except RuntimeUnavailable:
            return 503, {}
        body = result.body if isinstance(result.body, dict) else {}
        return result.status_code, body

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
        if not caller.can_write and name not in READ_ONLY_TOOLS:
            return tool_result(
                ToolResult(False, f"this connection may only read (tasks:read); {name} changes")
            )
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


def _resource(request: Request, hosts: HostPolicy) -> str:
    return hosts.public_origin(request.url.scheme, request.url.netloc) + MCP_PATH


def _challenge(request: Request, hosts: HostPolicy) -> str:
    """The MCP authorization challenge: where the protected resource metadata is (RFC 9728),
    and the scopes to ask for."""
    origin = hosts.public_origin(request.url.scheme, request.url.netloc)
    metadata = f"{origin}/.well-known/oauth-protected-resource{MCP_PATH}"
    return f'Bearer resource_metadata="{metadata}", scope="{" ".join(OAUTH_SCOPES)}"'


async def _refuse(send: Send, reason: str, challenge: str, invalid: bool = False) -> None:
    log.warning("401 %s: %s", MCP_PATH, reason)
    value = challenge
    if invalid:  # RFC 6750 §3.1: a token was presented and is no good
        value += ', error="invalid_token", error_description="' + reason.replace('"', "'") + '"'
    await _plain(send, 401, reason, [(b"www-authenticate", value.encode("latin-1", "replace"))])


async def _plain(
    send: Send, status: int, message: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    error = {401: "unauthorized", 403: "forbidden", 405: "method_not_allowed"}.get(
        status, "unavailable"
    )
    body = json.dumps({"error": error, "message": message}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
