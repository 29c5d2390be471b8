"""Telemetry shared by every process: JSON logs carrying trace ids, OpenTelemetry traces
(W3C trace context across Dapr invocation, Kafka CloudEvents, the outbox and jobs) and
Prometheus metrics. `setup_telemetry` is called once per process by its entry point."""

from __future__ import annotations

from backend_services.platform.settings import Settings
from backend_services.platform.telemetry.logs import configure_logging
from backend_services.platform.telemetry.tracing import configure_tracing


def setup_telemetry(settings: Settings, service_name: str) -> None:
    """Logs (format and level from settings) and tracing (on when an OTLP endpoint is set)."""
    configure_logging(settings.log_level, settings.log_format, service_name)
    configure_tracing(settings.otlp_endpoint, settings.trace_sampling, service_name)
