"""The whole local stack: build/fetch, start infra, render resources, start the
six services each with its daprd (N replicas each if asked), report status, stop."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from backend_services.contracts import AppId
from devtools.build_scripts import run_build_script
from devtools.settings import dev_settings
from launch import topology

from . import dapr, jaeger, kafka, postgres, processes
from .paths import (
    APP_IDS,
    REPO_ROOT,
    StackLayout,
    dapr_bin_dir,
    default_stack_dir,
    instance_name,
    kafka_libs_dir,
    split_instance,
)
from .ports import HOST, PortAllocator, is_listening
from .processes import ProcessRecord, StackState
from .resources import APP_API_TOKEN_KEY, render_all, write_secrets

UI_APP_ID = AppId.CHAT_UI.value


class StackError(RuntimeError):
    pass


def app_command(app_id: str, port: int, metrics_port: int | None = None) -> list[str]:
    """The app process contract (launch/serve.py)."""
    python = REPO_ROOT / ".venv" / "bin" / "python"
    exe = str(python) if python.exists() else sys.executable
    argv = [exe, "-m", "launch.serve", app_id, "--host", HOST, "--port", str(port)]
    return argv + (["--metrics-port", str(metrics_port)] if metrics_port else [])


def app_healthy(port: int) -> bool:
    return dapr.http_status(f"http://{HOST}:{port}/healthz") == 200


@dataclass
class UpOptions:
    apps: bool = True  # False: sidecars only (`--no-apps`)
    build: bool = True
    app_ids: tuple[str, ...] = APP_IDS
    # instances per app-id (each with its own daprd, same app-id); an app-id not named
    # keeps the count of the previous ``up`` (state.json), else 1
    replicas: Mapping[str, int] | None = None
    # Jaeger (built once, ~10 min) as trace backend: apps and daprd export to it. None:
    # as the previous ``up`` (off at first)
    tracing: bool | None = None


def parse_replicas(specs: Iterable[str], app_ids: Iterable[str] = APP_IDS) -> dict[str, int]:
    """``--replicas`` values: ``N`` (every service) and/or ``APP_ID=N`` (that one), later
    ones winning: ``["2", "chat-ui=3"]`` -> 2 of everything, 3 of chat-ui."""
    known = tuple(app_ids)
    counts: dict[str, int] = {}
    for spec in specs:
        name, eq, raw = spec.rpartition("=")
        if eq and name not in known:
            raise ValueError(f"unknown app-id {name!r} in --replicas {spec} ({', '.join(known)})")
        try:
            count = int(raw)
        except ValueError:
            raise ValueError(f"--replicas {spec}: expected N or APP_ID=N") from None
        if not 1 <= count <= 16:
            raise ValueError(f"--replicas {spec}: between 1 and 16")
        counts.update({name: count} if eq else dict.fromkeys(known, count))
    return counts


@dataclass
class ProcessStatus:
    name: str
    kind: str
    pid: int
    alive: bool
    healthy: bool
    ports: dict[str, int]
    url: str | None
    log: str
    log_tail: list[str] = field(default_factory=list)
    app_id: str | None = None  # apps and sidecars: the Dapr app-id (shared by replicas)
    replica: int | None = None  # 1-based

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "app_id": self.app_id,
            "replica": self.replica,
            "pid": self.pid,
            "alive": self.alive,
            "healthy": self.healthy,
            "ports": self.ports,
            "url": self.url,
            "log": self.log,
        }
        if not self.alive:
            data["crashed"] = True
            data["log_tail"] = self.log_tail
        return data


class Stack:
    def __init__(self, root: Path | None = None, out: TextIO | None = None) -> None:
        self.layout = StackLayout(root or default_stack_dir())
        self.out = out or sys.stdout

    # -- helpers -----------------------------------------------------------------

    def say(self, msg: str) -> None:
        print(msg, file=self.out, flush=True)

    def load(self) -> StackState:
        return StackState.load(self.layout.state_file)

    def _run_script(self, script: Path) -> None:
        run_build_script(script, self.out, StackError)

    def ensure_artifacts(self) -> None:
        """Build daprd & co. and fetch Kafka's jars when missing (cached)."""
        if not Path(postgres.pg_bin() / "initdb").exists():
            self._run_script(REPO_ROOT / "deploy" / "system" / "install.sh")
        self._run_script(REPO_ROOT / "deploy" / "dapr" / "build.sh")
        self._run_script(REPO_ROOT / "deploy" / "kafka" / "fetch.sh")

    def health(self, rec: ProcessRecord) -> bool:
        """Whether a live process answers its health check."""
        if rec.name == "postgres":
            return postgres.is_running(self.layout.postgres) and is_listening(rec.ports["postgres"])
        if rec.name == "kafka":
            return kafka.is_ready(f"{HOST}:{rec.ports['broker']}")
        if rec.name == "jaeger":
            return jaeger.healthy(rec.ports["query"])
        if rec.name == "scheduler":
            return dapr.control_plane_healthy(rec.ports["healthz"])
        if rec.kind == "daprd":
            return dapr.daprd_healthy(rec.ports["dapr_http"]) and self.registered(rec)
        if rec.kind == "app":
            return app_healthy(rec.ports["app"])
        return True

    def _state_store_app_ids(self) -> set[str]:
        """The app-ids whose sidecars load the state store (launch/topology.py)."""
        return set(topology.state_store_apps())

    def registered(self, rec: ProcessRecord) -> bool:
        """Whether a sidecar is in the stack's name-resolution database, so other sidecars
        can invoke its app. daprd answers its health check before that first write, which
        on a busy machine can wait on the database's lock."""
        app_id, _index = split_instance(rec.name)
        address = f"{HOST}:{rec.ports['dapr_internal_grpc']}"
        try:
            url = f"file:{self.layout.name_resolution_db}?mode=ro"  # never create it
            with contextlib.closing(sqlite3.connect(url, uri=True, timeout=5)) as db:
                row = db.execute(
                    "SELECT 1 FROM hosts WHERE app_id = ? AND address = ?", (app_id, address)
                ).fetchone()
        except sqlite3.Error:  # not created yet, or locked past the timeout: not yet
            return False
        return row is not None

    def _alive(self, rec: ProcessRecord | None) -> bool:
        if rec is None:
            return False
        if rec.name == "postgres":
            return postgres.is_running(self.layout.postgres)
        return processes.record_alive(rec)

    # -- up ------------------------------------------------------------------------

    def up(self, options: UpOptions | None = None) -> StackState:
        opts = options or UpOptions()
        layout = self.layout
        layout.ensure()
        if opts.build:
            self.ensure_artifacts()
        state = self.load()
        live = {name for name, rec in state.processes.items() if self._alive(rec)}
        for name in sorted(set(state.processes) - live):
            self.say(f"  {name}: not running (pid {state.processes[name].pid}), will start")
            del state.processes[name]
        alloc = PortAllocator(state.ports)

        def port(key: str, owner: str) -> int:
            return alloc.get(key, in_use_by_us=owner in live)

        counts = {
            app_id: max(1, (opts.replicas or {}).get(app_id) or state.replicas.get(app_id, 1))
            for app_id in opts.app_ids
        }
        self._scale_down(state, counts)
        state.replicas.update(counts)
        try:
            self._up_postgres(state, port("postgres", "postgres"))
            self._up_kafka(state, port("kafka", "kafka"), port("kafka.controller", "kafka"))
            self._up_scheduler(state, port)
            tracing = "jaeger" in state.processes if opts.tracing is None else opts.tracing
            endpoint = self._up_jaeger(state, port, tracing, build=opts.build)
            if endpoint != state.infra.get("otlp_endpoint", ""):
                self._restart_services(state, "tracing " + ("on" if endpoint else "off"))
            state.infra["otlp_endpoint"] = endpoint
            state.ports = {**state.ports, **alloc.assigned}
            state.save(layout.state_file)

            creds = postgres.credentials(layout.postgres)
            if creds is None:
                raise StackError("postgres credentials unavailable")
            stack_secrets = write_secrets(
                layout.secrets_file,
                pg_keyword_dsn=creds.keyword_dsn(),
                database_url=creds.url("postgresql+psycopg"),
            )
            render_all(
                {
                    "KAFKA_BROKERS": state.infra["kafka_bootstrap"],
                    "SECRETS_FILE": str(layout.secrets_file),
                    "NAME_RESOLUTION_DB": str(layout.name_resolution_db),
                    # daprd's OTLP/HTTP exporter wants host:port; empty: export nowhere
                    "OTLP_ENDPOINT": endpoint.removeprefix("http://"),
                },
                layout.components,
                layout.config_file,
            )

            with_apps = opts.apps
            if not with_apps:
                self.say("  apps: not started (sidecars run without --app-port)")
            self._up_services(
                state, port, counts, with_apps, stack_secrets[APP_API_TOKEN_KEY], endpoint
            )
        finally:
            state.ports.update(alloc.assigned)
            state.save(layout.state_file)
        return state

    def _scale_down(self, state: StackState, counts: Mapping[str, int]) -> None:
        """Stop the replicas beyond the count asked for (sidecar first, so that it hands
        nothing more to its app), forget their ports."""
        recs = sorted(state.processes.items(), key=lambda item: (item[1].kind != "daprd", item[0]))
        for name, rec in recs:
            if rec.kind not in ("app", "daprd"):
                continue
            app_id, index = split_instance(name)
            if app_id in counts and index > counts[app_id]:
                processes.stop(rec)
                del state.processes[name]
                instance = instance_name(app_id, index)
                for key in [k for k in state.ports if k.startswith(f"{instance}.")]:
                    del state.ports[key]
                self.say(f"  {name}: stopped (replicas of {app_id}: {counts[app_id]})")
        state.save(self.layout.state_file)

    def _up_postgres(self, state: StackState, pg_port: int) -> None:
        directory = self.layout.postgres
        was_running = postgres.is_running(directory)
        started = time.monotonic()
        dsn = postgres.start_cluster(directory, pg_port, log=self.layout.log("postgres"))
        creds = postgres.credentials(directory)
        pid = postgres.server_pid(directory) or 0
        actual = creds.port if creds else pg_port
        state.processes["postgres"] = ProcessRecord(
            name="postgres",
            pid=pid,
            argv=[str(postgres.pg_bin() / "postgres"), "-D", str(directory / "data")],
            log=str(self.layout.log("postgres")),
            kind="infra",
            ports={"postgres": actual},
            started_at=time.time(),
            proc_start=processes.proc_start_time(pid),
        )
        state.infra["postgres_dsn"] = dsn
        verb = "kept" if was_running else f"started in {time.monotonic() - started:.1f}s"
        self.say(f"  postgres: {verb} on {HOST}:{actual}")

    def _up_kafka(self, state: StackState, broker: int, controller: int) -> None:
        rec = state.processes.get("kafka")
        bootstrap = f"{HOST}:{broker}"
        if rec is not None:
            kept = f"{HOST}:{rec.ports['broker']}"
            try:
                kafka.wait_ready(kept, timeout=60, rec=rec)
            except kafka.KafkaError:
                processes.stop(rec)  # alive but not answering: restart it
            else:
                self.say(f"  kafka: kept on {kept}")
                state.infra["kafka_bootstrap"] = kept
                return
        started = time.monotonic()
        rec = kafka.start(
            self.layout.kafka,
            kafka.KafkaPorts(broker, controller),
            kafka_libs_dir(),
            self.layout.log("kafka"),
        )
        state.processes["kafka"] = rec
        state.save(self.layout.state_file)
        kafka.wait_ready(bootstrap, rec=rec)
        state.infra["kafka_bootstrap"] = bootstrap
        self.say(f"  kafka: started on {bootstrap} in {time.monotonic() - started:.1f}s")

    def _up_scheduler(self, state: StackState, port: Callable[[str, str], int]) -> None:
        rec = state.processes.get("scheduler")
        if rec is not None and dapr.control_plane_healthy(rec.ports["healthz"]):
            state.infra["scheduler_address"] = f"{HOST}:{rec.ports['grpc']}"
            self.say(f"  scheduler: kept on {state.infra['scheduler_address']}")
            return
        if rec is not None:
            processes.stop(rec)
        ports = dapr.SchedulerPorts(
            grpc=port("scheduler.grpc", "scheduler"),
            healthz=port("scheduler.healthz", "scheduler"),
            metrics=port("scheduler.metrics", "scheduler"),
            etcd_client=port("scheduler.etcd_client", "scheduler"),
            etcd_peer=port("scheduler.etcd_peer", "scheduler"),
        )
        started = time.monotonic()
        rec = dapr.start_scheduler(
            self.layout.scheduler, ports, self.layout.log("scheduler"), dapr_bin_dir()
        )
        state.processes["scheduler"] = rec
        state.save(self.layout.state_file)
        dapr.wait_until(
            lambda: dapr.control_plane_healthy(ports.healthz), "scheduler", timeout=60, rec=rec
        )
        state.infra["scheduler_address"] = ports.address
        self.say(f"  scheduler: started on {ports.address} in {time.monotonic() - started:.1f}s")

    def _up_jaeger(
        self, state: StackState, port: Callable[[str, str], int], wanted: bool, *, build: bool
    ) -> str:
        """Start (or keep, or stop) Jaeger; returns the OTLP endpoint ('' when off)."""
        rec = state.processes.get("jaeger")
        if not wanted:
            if rec is not None:
                processes.stop(rec)
                del state.processes["jaeger"]
                state.infra.pop("trace_ui", None)
                self.say("  jaeger: stopped (tracing off)")
            return ""
        directory = self.layout.root / "jaeger"
        if rec is not None and jaeger.healthy(rec.ports["query"]):
            if jaeger.config_is_current(directory, jaeger.ports_of(rec)):
                self.say(f"  jaeger: kept, UI {rec.url}")
                return jaeger.ports_of(rec).otlp_endpoint
            # e.g. started before the trace viewer was served: same ports, apps keep exporting
            self.say("  jaeger: its configuration changed, restarting (kept traces are dropped)")
        if rec is not None:
            processes.stop(rec)
        if build:
            self._run_script(jaeger.BUILD_SCRIPT)
        if not jaeger.binary().exists():
            raise StackError(f"no Jaeger binary at {jaeger.binary()}: run deploy/jaeger/build.sh")
        ports = jaeger.JaegerPorts(
            otlp_http=port("jaeger.otlp_http", "jaeger"),
            query=port("jaeger.query", "jaeger"),
            query_grpc=port("jaeger.query_grpc", "jaeger"),
            health=port("jaeger.health", "jaeger"),
            metrics=port("jaeger.metrics", "jaeger"),
        )
        started = time.monotonic()
        rec = jaeger.start(directory, ports, self.layout.log("jaeger"))
        state.processes["jaeger"] = rec
        state.save(self.layout.state_file)
        dapr.wait_until(lambda: jaeger.healthy(ports.query), "jaeger", timeout=60, rec=rec)
        state.infra["trace_ui"] = ports.ui_url
        self.say(f"  jaeger: started in {time.monotonic() - started:.1f}s, UI {ports.ui_url}")
        return ports.otlp_endpoint

    def _restart_services(self, state: StackState, why: str) -> None:
        """Stop every app and sidecar (they read the tracing setup only at start)."""
        for name, rec in list(state.processes.items()):
            if rec.kind in ("app", "daprd"):
                processes.stop(rec)
                del state.processes[name]
                self.say(f"  {name}: stopped ({why}), starts again")

    def _up_services(
        self,
        state: StackState,
        port: Callable[[str, str], int],
        counts: Mapping[str, int],
        with_apps: bool,
        app_token: str,
        otlp_endpoint: str = "",
    ) -> None:
        """Every replica of every app-id in ``counts``: replica ``i`` of ``task-service`` is
        the process ``task-service#i`` (``task-service`` for the first) with its sidecar
        ``daprd-task-service#i``, own ports, same app-id. The replicas of an app-id share
        Kafka consumer groups (``pubsub``), scheduler jobs and the name-resolution entry
        (invocations pick one of them at random)."""
        layout = self.layout
        instances = [
            (app_id, instance_name(app_id, index))
            for app_id, count in counts.items()
            for index in range(1, count + 1)
        ]
        sidecars: dict[str, dapr.SidecarPorts] = {}
        app_ports: dict[str, int] = {}
        metrics_ports: dict[str, int] = {}
        for _app_id, name in instances:
            owner = f"daprd-{name}"
            sidecars[name] = dapr.SidecarPorts(
                http=port(f"{name}.dapr_http", owner),
                grpc=port(f"{name}.dapr_grpc", owner),
                internal_grpc=port(f"{name}.dapr_internal_grpc", owner),
                metrics=port(f"{name}.dapr_metrics", owner),
            )
            if with_apps:
                app_ports[name] = port(f"{name}.app", name)
                metrics_ports[name] = port(f"{name}.metrics", name)

        # 1. apps first (daprd probes the app port and reads /dapr/subscribe at
        # start); they are not waited for here: an app waits for its sidecar's
        # outbound side (secrets) before it listens.
        pending_apps: list[ProcessRecord] = []
        for app_id, name in instances:
            if name not in app_ports:
                continue
            command = app_command(app_id, app_ports[name], metrics_ports[name])
            rec = state.processes.get(name)
            if rec is not None:
                if rec.argv == command:
                    continue
                self.say(f"  {name}: command changed, restarting")
                processes.stop(rec)
            side = sidecars[name]
            url = f"http://{HOST}:{app_ports[name]}" if app_id == UI_APP_ID else None
            rec = processes.start(
                name,
                command,
                log=layout.log(name),
                kind="app",
                cwd=REPO_ROOT,
                env={
                    "APP_ID": app_id,
                    "DAPR_HTTP_PORT": str(side.http),
                    "TODO_DATA_DIR": str(layout.data),
                    "PYTHONUNBUFFERED": "1",
                    "APP_API_TOKEN": app_token,
                    **({"OTEL_EXPORTER_OTLP_ENDPOINT": otlp_endpoint} if otlp_endpoint else {}),
                },
                unset_env=("TODO_SECRETS_FILE",)
                + (() if otlp_endpoint else ("OTEL_EXPORTER_OTLP_ENDPOINT",)),
                ports={
                    "app": app_ports[name],
                    "dapr_http": side.http,
                    "dapr_grpc": side.grpc,
                    "metrics": metrics_ports[name],
                },
                url=url,
            )
            state.processes[name] = rec
            pending_apps.append(rec)
        state.save(layout.state_file)

        # 2. one daprd per app process (per replica). On a fresh database, sidecars that
        # load the PostgreSQL state store race to create its tables ("relation dapr_metadata
        # already exists": the loser exits); the first of them starts alone until its
        # components are loaded, the others after it.
        pending_sidecars: list[ProcessRecord] = []
        stateful = self._state_store_app_ids()
        first_stateful = True
        for app_id, name in instances:
            sidecar = f"daprd-{name}"
            kept = state.processes.get(sidecar)
            wanted = dapr.daprd_argv(
                app_id,
                sidecars[name],
                resources_path=layout.components,
                config=layout.config_file,
                scheduler_address=state.infra["scheduler_address"],
                app_port=app_ports.get(name),
                bin_dir=dapr_bin_dir(),
            )
            if kept is not None:
                if kept.argv == wanted:
                    continue
                self.say(f"  {sidecar}: flags changed (app port, scheduler...), restarting")
                processes.stop(kept)
            rec = dapr.start_daprd(
                app_id,
                sidecars[name],
                log=layout.log(sidecar),
                resources_path=layout.components,
                config=layout.config_file,
                scheduler_address=state.infra["scheduler_address"],
                app_port=app_ports.get(name),
                cwd=layout.run,
                bin_dir=dapr_bin_dir(),
                app_token=app_token,
                name=sidecar,
            )
            state.processes[sidecar] = rec
            pending_sidecars.append(rec)
            if app_id in stateful and first_stateful:
                first_stateful = False
                self._wait_all(
                    [rec],
                    lambda r: dapr.daprd_outbound_ready(r.ports["dapr_http"]),
                    dev_settings().stack_daprd_timeout,
                )
        state.save(layout.state_file)

        # 3. both healthy: app GET /healthz 200, daprd /v1.0/healthz 204. More processes
        # than the six of one replica start on the same cores: a longer deadline.
        settings = dev_settings()
        extra = max(0, len(pending_apps) - len(APP_IDS), len(pending_sidecars) - len(APP_IDS))
        self._wait_all(
            pending_apps + pending_sidecars,
            lambda r: self.health(r),
            max(settings.stack_app_timeout, settings.stack_daprd_timeout) + 20 * extra,
        )

    def _wait_all(
        self, recs: list[ProcessRecord], check: Callable[[ProcessRecord], bool], timeout: float
    ) -> None:
        if not recs:
            return
        started = time.monotonic()

        def wait(rec: ProcessRecord) -> None:
            dapr.wait_until(lambda: check(rec), rec.name, timeout=timeout, rec=rec, interval=0.5)

        errors: list[str] = []
        with ThreadPoolExecutor(max_workers=len(recs)) as pool:
            futures = {rec.name: pool.submit(wait, rec) for rec in recs}
            for name, fut in futures.items():
                try:
                    fut.result()
                except dapr.DaprError as exc:
                    errors.append(f"{name}: {exc}")
        if errors:
            raise StackError("\n".join(errors))
        names = ", ".join(r.name for r in recs)
        self.say(f"  healthy after {time.monotonic() - started:.1f}s: {names}")

    # -- status / down ------------------------------------------------------------

    def status(self) -> tuple[list[ProcessStatus], dict[str, str]]:
        state = self.load()
        result: list[ProcessStatus] = []
        for rec in sorted(state.processes.values(), key=_display_order):
            alive = self._alive(rec)
            healthy = alive and self.health(rec)
            result.append(
                ProcessStatus(
                    name=rec.name,
                    kind=rec.kind,
                    pid=rec.pid,
                    alive=alive,
                    healthy=healthy,
                    ports=rec.ports,
                    url=rec.url,
                    log=rec.log,
                    log_tail=[] if alive else processes.tail(Path(rec.log), 15),
                    app_id=split_instance(rec.name)[0] if rec.kind in ("app", "daprd") else None,
                    replica=split_instance(rec.name)[1] if rec.kind in ("app", "daprd") else None,
                )
            )
        return result, dict(state.infra)

    def replicas(self) -> dict[str, int]:
        """Replicas per app-id as the last ``up`` asked for them (1 when never asked)."""
        state = self.load()
        running = {
            split_instance(r.name)[0]
            for r in state.processes.values()
            if r.kind in ("app", "daprd")
        }
        return {app_id: state.replicas.get(app_id, 1) for app_id in APP_IDS if app_id in running}

    def down(self, purge: bool = False) -> list[str]:
        state = self.load()
        stopped: list[str] = []
        order = {"daprd": 0, "app": 1, "infra": 2}
        infra_order = {"scheduler": 1, "kafka": 2, "postgres": 3, "jaeger": 4}
        recs = sorted(
            state.processes.values(),
            key=lambda r: (order.get(r.kind, 3), infra_order.get(r.name, 0), r.name),
        )
        for rec in recs:
            if rec.name == "postgres":
                if postgres.stop_cluster(self.layout.postgres):
                    stopped.append(rec.name)
            elif processes.stop(rec):
                stopped.append(rec.name)
        # a cluster left from an earlier run without state
        if postgres.is_running(self.layout.postgres) and postgres.stop_cluster(
            self.layout.postgres
        ):
            stopped.append("postgres")
        state.processes.clear()
        state.infra.clear()
        state.replicas.clear()
        if purge:
            shutil.rmtree(self.layout.root, ignore_errors=True)
        elif self.layout.root.exists():
            state.save(self.layout.state_file)
        return stopped


def _display_order(rec: ProcessRecord) -> tuple[int, int, int, int, str]:
    infra = ("postgres", "kafka", "scheduler", "jaeger")
    if rec.name in infra:
        return (0, infra.index(rec.name), 0, 0, rec.name)
    app_id, replica = split_instance(rec.name)
    index = APP_IDS.index(app_id) if app_id in APP_IDS else len(APP_IDS)
    return (1, index, replica, int(rec.kind == "daprd"), rec.name)


def format_table(rows: list[ProcessStatus]) -> str:
    header = ("NAME", "PID", "STATE", "PORTS", "URL")
    lines: list[tuple[str, str, str, str, str]] = [header]
    for st in rows:
        state = "healthy" if st.healthy else ("UNHEALTHY" if st.alive else "CRASHED")
        ports = " ".join(f"{k}={v}" for k, v in sorted(st.ports.items()))
        lines.append((st.name, str(st.pid), state, ports, st.url or ""))
    widths = [max(len(row[i]) for row in lines) for i in range(4)]
    return "\n".join(
        "  ".join(col.ljust(widths[i]) for i, col in enumerate(row[:4])) + "  " + row[4]
        for row in lines
    ).rstrip()
