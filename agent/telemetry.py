"""Spans and counters for the agent: the turn, each tool call, each LLM call.

Kept here so the agent's modules change by a line or two: `traced_turn` wraps a turn,
`traced_tool` a tool call, `traced_llm_stream` the streamed completion (its span lasts until
the last chunk, without becoming the current span across the generator's yields)."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from backend_services.platform.telemetry import metrics, tracing

T = TypeVar("T")


async def traced_turn(mode: str, events: AsyncIterator[T]) -> AsyncIterator[T]:
    """The root span of a chat turn in chat-ui: invocations, publishes and the reminders
    they set all hang below it (or link to it)."""
    metrics.AGENT_TURNS.labels(mode).inc()
    with tracing.tracer().start_as_current_span("agent turn", attributes={"agent.mode": mode}):
        async for event in events:
            yield event


async def traced_tool(name: str, call: Callable[[], Awaitable[T]], ok: Callable[[T], bool]) -> T:
    with tracing.tracer().start_as_current_span(
        f"tool {name}", attributes={"agent.tool": name}
    ) as span:
        result = await call()
        good = ok(result)
        metrics.AGENT_TOOL_CALLS.labels(name, "ok" if good else "error").inc()
        if not good:
            tracing.mark_error(span, "tool failed")
        return result


async def traced_llm_stream(model: str, call: Awaitable[Any]) -> AsyncIterator[Any]:
    """Await the streaming completion `call` and yield its chunks inside an LLM span."""
    span = tracing.tracer().start_span(
        "llm chat", attributes={"gen_ai.system": "openai", "gen_ai.request.model": model}
    )
    try:
        stream: AsyncIterable[Any] = await call
        async for chunk in stream:
            yield chunk
    except Exception as exc:
        metrics.LLM_CALLS.labels("error").inc()
        tracing.mark_error(span, type(exc).__name__)
        raise
    else:
        metrics.LLM_CALLS.labels("ok").inc()
    finally:
        span.end()
