"""OpenTelemetry tracing: one tracer provider per process, W3C trace context in and out.

Off unless an OTLP endpoint is configured: then the API's no-op tracer answers every call
(no span is recorded or exported, an incoming trace context is still passed on), so the
instrumented code costs next to nothing. On: spans are batched to `<endpoint>/v1/traces`
(OTLP over HTTP, e.g. Jaeger's collector) with parent-based ratio sampling, so one decision
at the trace's root holds across every process the trace crosses.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

log = logging.getLogger("todo.telemetry")

TRACER_NAME = "todo-assistant"
_propagator = TraceContextTextMapPropagator()
_provider: Any = None  # the SDK provider once configured (None: tracing off)


def configure_tracing(
    endpoint: str | None, sampling: float, service: str, *, exporter: Any = None
) -> None:
    """Install the process's tracer provider when `endpoint` (or a test's `exporter`) is
    given. Once per process: OpenTelemetry refuses to replace a global provider."""
    global _provider
    if not endpoint and exporter is None:
        return
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = _provider
    if provider is None:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

        provider = TracerProvider(
            resource=Resource.create({"service.name": service}),
            sampler=ParentBased(TraceIdRatioBased(max(0.0, min(1.0, sampling)))),
        )
        trace.set_tracer_provider(provider)
        _provider = provider
    # a second call (tests) adds its exporter to the process's provider
    if endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        url = endpoint.rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
        log.info("tracing on: %s, sampling %.3g", url, sampling)
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))


def flush() -> None:
    """Export what is batched (before a process exits, or before a test reads the backend)."""
    if _provider is not None:
        _provider.force_flush()


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def inject(headers: dict[str, str] | None = None) -> dict[str, str]:
    """`headers` plus `traceparent`/`tracestate` of the current span (a copy)."""
    out = dict(headers or {})
    _propagator.inject(out)
    return out


def extract(carrier: Mapping[str, str]) -> otel_context.Context:
    return _propagator.extract(carrier)


def traceparent_of(span: Span | None = None) -> str | None:
    """The W3C `traceparent` of `span` (default: the current one); None without a trace."""
    ctx = (span or trace.get_current_span()).get_span_context()
    if not ctx.is_valid:
        return None
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


def context_from(traceparent: str | None, tracestate: str | None = None) -> otel_context.Context:
    """A context whose parent is `traceparent` (an empty context when it is missing or
    malformed: the span started in it becomes a root)."""
    carrier = {"traceparent": traceparent} if traceparent else {}
    if traceparent and tracestate:
        carrier["tracestate"] = tracestate
    return extract(carrier)


def link_to(traceparent: str | None) -> list[Link]:
    """A span link to `traceparent` (none when missing): how a later, separate trace (a
    reminder firing hours after it was set) points back at the request that caused it."""
    ctx = trace.get_current_span(context_from(traceparent)).get_span_context()
    return [Link(ctx)] if ctx.is_valid else []


@contextmanager
def client_span(name: str, attributes: Mapping[str, Any] | None = None) -> Iterator[dict[str, str]]:
    """A CLIENT span around an outgoing call; yields the trace headers the call must carry."""
    with tracer().start_as_current_span(name, kind=SpanKind.CLIENT, attributes=attributes):
        yield inject()


def mark_error(span: Span, description: str) -> None:
    span.set_status(Status(StatusCode.ERROR, description[:200]))
