"""Jaeger (v2, built by deploy/jaeger/build.sh) as the local stack's trace backend: OTLP over
HTTP in from every app and daprd, traces kept in memory, the query API and UI on one port.

The module proxy's Jaeger has no built UI, so its query extension serves the repository's own
trace viewer (deploy/jaeger/ui: plain HTML/JS over the query API) from `ui.assets_path`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from backend_services.platform.service_paths import service_path

from . import processes
from .dapr import http_status
from .paths import REPO_ROOT, cache_dir
from .ports import HOST

BUILD_SCRIPT = REPO_ROOT / "deploy" / "jaeger" / "build.sh"
# index.html and static/: Jaeger serves static/* as files and index.html for every other path
# that is not /api (so /search?service=... and /trace/<id> are the viewer's pages)
UI_ASSETS = REPO_ROOT / "deploy" / "jaeger" / "ui"


def jaeger_version() -> str:
    """The Jaeger module version pinned in deploy/jaeger/go.mod (e.g. 1.76.0)."""
    text = (REPO_ROOT / "deploy" / "jaeger" / "go.mod").read_text(encoding="utf-8")
    match = re.search(r"github\.com/jaegertracing/jaeger v([0-9][^\s]*)", text)
    if match is None:
        raise RuntimeError("deploy/jaeger/go.mod does not pin github.com/jaegertracing/jaeger")
    return match.group(1)


def binary() -> Path:
    return cache_dir() / f"jaeger-{jaeger_version()}" / "jaeger"


@dataclass(frozen=True)
class JaegerPorts:
    otlp_http: int  # apps and daprd export here
    query: int  # UI and HTTP API (/api/traces)
    query_grpc: int
    health: int
    metrics: int  # the collector's own Prometheus metrics

    @property
    def otlp_endpoint(self) -> str:
        return f"http://{HOST}:{self.otlp_http}"

    @property
    def ui_url(self) -> str:
        return f"http://{HOST}:{self.query}"


def trace_url(ui_url: str, trace_id: str) -> str:
    """The viewer's page of one trace."""
    return f"{ui_url.rstrip('/')}/{service_path('trace', trace_id)}"


def config(ports: JaegerPorts, max_traces: int = 50_000, ui_assets: Path = UI_ASSETS) -> str:
    """An all-in-one configuration bound to loopback: OTLP/HTTP receiver, memory storage, the
    query API and the trace viewer's files on one port."""
    return f"""\
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: basic
      readers:
        - pull:
            exporter:
              prometheus:
                host: {HOST}
                port: {ports.metrics}
    logs:
      level: warn
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: {HOST}:{ports.health}
  jaeger_query:
    enable_tracing: false  # on by default: it would trace itself to localhost:4317
    ui:
      assets_path: {json.dumps(str(ui_assets))}  # the trace viewer (deploy/jaeger/ui)
    storage:
      traces: memstore
    http:
      endpoint: {HOST}:{ports.query}
    grpc:
      endpoint: {HOST}:{ports.query_grpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: {max_traces}
receivers:
  otlp:
    protocols:
      http:
        endpoint: {HOST}:{ports.otlp_http}
processors:
  batch:
    timeout: 500ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
"""


def config_is_current(directory: Path, ports: JaegerPorts) -> bool:
    """Whether a running Jaeger was started with the configuration this code renders."""
    config_file = directory / "config.yaml"
    return config_file.is_file() and config_file.read_text(encoding="utf-8") == config(ports)


def start(directory: Path, ports: JaegerPorts, log: Path) -> processes.ProcessRecord:
    directory.mkdir(parents=True, exist_ok=True)
    config_file = directory / "config.yaml"
    config_file.write_text(config(ports), encoding="utf-8")
    return processes.start(
        "jaeger",
        [str(binary()), "--config", str(config_file)],
        log=log,
        kind="infra",
        ports={
            "otlp_http": ports.otlp_http,
            "query": ports.query,
            "query_grpc": ports.query_grpc,
            "health": ports.health,
            "metrics": ports.metrics,
        },
        url=ports.ui_url,
    )


def healthy(query_port: int) -> bool:
    return http_status(f"http://{HOST}:{query_port}/api/services") == 200


def ports_of(rec: processes.ProcessRecord) -> JaegerPorts:
    p = rec.ports
    return JaegerPorts(p["otlp_http"], p["query"], p["query_grpc"], p["health"], p["metrics"])
