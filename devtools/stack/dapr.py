"""Dapr control plane (the scheduler) and daprd sidecars,
run from the binaries deploy/dapr/build.sh puts in the cache."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import processes
from .paths import dapr_bin_dir

HOST = "127.0.0.1"
SCHEDULER_ID = "dapr-scheduler-server-0"
SIDECAR_ENV = {"DAPR_HOST_IP": HOST}


class DaprError(RuntimeError):
    pass


def binary(name: str, bin_dir: Path | None = None) -> Path:
    path = (bin_dir or dapr_bin_dir()) / name
    if not path.exists():
        raise DaprError(f"{path} not found: run deploy/dapr/build.sh")
    return path


# -- scheduler -----------------------------------------------------------------


@dataclass(frozen=True)
class SchedulerPorts:
    grpc: int
    healthz: int
    metrics: int
    etcd_client: int
    etcd_peer: int

    @property
    def address(self) -> str:
        return f"{HOST}:{self.grpc}"


def scheduler_argv(data_dir: Path, ports: SchedulerPorts, bin_dir: Path | None = None) -> list[str]:
    return [
        str(binary("scheduler", bin_dir)),
        "--mode",
        "standalone",
        "--id",
        SCHEDULER_ID,
        "--port",
        str(ports.grpc),
        "--listen-address",
        HOST,
        "--healthz-port",
        str(ports.healthz),
        "--healthz-listen-address",
        HOST,
        "--metrics-port",
        str(ports.metrics),
        "--metrics-listen-address",
        HOST,
        "--etcd-data-dir",
        str(data_dir),
        "--etcd-client-port",
        str(ports.etcd_client),
        "--etcd-client-listen-address",
        HOST,
        "--etcd-initial-cluster",
        f"{SCHEDULER_ID}=http://localhost:{ports.etcd_peer}",
        "--log-level",
        "info",
    ]


def start_scheduler(
    directory: Path, ports: SchedulerPorts, log: Path, bin_dir: Path | None = None
) -> processes.ProcessRecord:
    """Start the scheduler with its embedded etcd persisted in ``directory``/etcd."""
    data_dir = directory / "etcd"
    data_dir.mkdir(parents=True, exist_ok=True)
    return processes.start(
        "scheduler",
        scheduler_argv(data_dir, ports, bin_dir),
        log=log,
        kind="infra",
        cwd=directory,
        ports={
            "grpc": ports.grpc,
            "healthz": ports.healthz,
            "metrics": ports.metrics,
            "etcd_client": ports.etcd_client,
            "etcd_peer": ports.etcd_peer,
        },
    )


# -- daprd -------------------------------------------------------------------------


@dataclass(frozen=True)
class SidecarPorts:
    http: int
    grpc: int
    internal_grpc: int
    metrics: int

    def as_dict(self) -> dict[str, int]:
        return {
            "dapr_http": self.http,
            "dapr_grpc": self.grpc,
            "dapr_internal_grpc": self.internal_grpc,
            "metrics": self.metrics,
        }


def daprd_argv(
    app_id: str,
    ports: SidecarPorts,
    *,
    resources_path: Path,
    config: Path,
    scheduler_address: str,
    app_port: int | None = None,
    log_level: str = "info",
    bin_dir: Path | None = None,
) -> list[str]:
    argv = [
        str(binary("daprd", bin_dir)),
        "--mode",
        "standalone",
        "--app-id",
        app_id,
        "--dapr-http-port",
        str(ports.http),
        "--dapr-grpc-port",
        str(ports.grpc),
        "--dapr-internal-grpc-port",
        str(ports.internal_grpc),
        "--dapr-listen-addresses",
        HOST,
        "--metrics-port",
        str(ports.metrics),
        "--metrics-listen-address",
        HOST,
        "--resources-path",
        str(resources_path),
        "--config",
        str(config),
        "--scheduler-host-address",
        scheduler_address,
        "--log-level",
        log_level,
    ]
    if app_port is not None:
        argv += [
            "--app-port",
            str(app_port),
            "--app-protocol",
            "http",
            "--app-channel-address",
            HOST,
        ]
    return argv


def start_daprd(
    app_id: str,
    ports: SidecarPorts,
    *,
    log: Path,
    resources_path: Path,
    config: Path,
    scheduler_address: str,
    app_port: int | None = None,
    cwd: Path | None = None,
    bin_dir: Path | None = None,
    app_token: str | None = None,
    name: str | None = None,
) -> processes.ProcessRecord:
    """`app_token`: daprd's APP_API_TOKEN, sent as `dapr-api-token` on every call to the app.
    `name`: the process name (default ``daprd-<app_id>``; ``daprd-<app_id>#2`` for a second
    replica, same app-id)."""
    argv = daprd_argv(
        app_id,
        ports,
        resources_path=resources_path,
        config=config,
        scheduler_address=scheduler_address,
        app_port=app_port,
        bin_dir=bin_dir,
    )
    port_map = ports.as_dict()
    if app_port is not None:
        port_map["app"] = app_port
    return processes.start(
        name or f"daprd-{app_id}",
        argv,
        log=log,
        kind="daprd",
        env={**SIDECAR_ENV, **({"APP_API_TOKEN": app_token} if app_token else {})},
        cwd=cwd,
        ports=port_map,
    )


# -- health ------------------------------------------------------------------------


def http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, ValueError):
        return None


def daprd_healthy(http_port: int) -> bool:
    return http_status(f"http://{HOST}:{http_port}/v1.0/healthz") == 204


def daprd_outbound_ready(http_port: int) -> bool:
    """Components loaded (state stores have created their tables), building blocks served;
    the app channel may still be waiting for the app."""
    return http_status(f"http://{HOST}:{http_port}/v1.0/healthz/outbound") == 204


def control_plane_healthy(healthz_port: int) -> bool:
    return http_status(f"http://{HOST}:{healthz_port}/healthz") == 200


def wait_until(
    check: Callable[[], bool],
    what: str,
    *,
    timeout: float,
    rec: processes.ProcessRecord | None = None,
    interval: float = 0.25,
) -> None:
    """Poll ``check()`` until true; fail early when ``rec``'s process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if rec is not None and not processes.record_alive(rec):
            tail = "\n".join(processes.tail(Path(rec.log), 40))
            raise DaprError(f"{what} exited during start-up; log tail:\n{tail}")
        time.sleep(interval)
    raise DaprError(f"{what} not healthy after {timeout:.0f}s (log: {rec.log if rec else '-'})")
