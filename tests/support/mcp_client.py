"""The official `mcp` client (ClientSession over streamable HTTP) with a bearer token, and
readers of its answers: for the MCP tests of the embedded product and of the real stack."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from mcp import ClientSession, types
from mcp.client.streamable_http import streamable_http_client


@asynccontextmanager
async def connect(url: str, token: str) -> AsyncIterator[ClientSession]:
    headers = {"authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(headers=headers, timeout=60) as http,
        streamable_http_client(url, http_client=http) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


async def call(session: ClientSession, name: str, **arguments: Any) -> types.CallToolResult:
    return await session.call_tool(name, arguments)


def payload(result: types.CallToolResult) -> dict[str, Any]:
    """The tool's answer as the chat's model sees it: {"ok", "message", "data"?}, the same
    as structured content and as the text content."""
    assert result.structuredContent is not None
    first = result.content[0]
    assert isinstance(first, types.TextContent)
    assert json.loads(first.text) == result.structuredContent
    return result.structuredContent


def status_errors(exc: BaseException) -> list[int]:
    """HTTP statuses in an exception (group) raised by the client."""
    if isinstance(exc, BaseExceptionGroup):
        return [s for inner in exc.exceptions for s in status_errors(inner)]
    if isinstance(exc, httpx.HTTPStatusError):
        return [exc.response.status_code]
    return []
