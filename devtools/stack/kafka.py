"""A single-node Apache Kafka broker (KRaft, combined broker+controller) run
from the jars that deploy/kafka/fetch.sh assembles from Maven Central."""

from __future__ import annotations

import base64
import shutil
import socket
import struct
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from devtools.settings import dev_settings

from . import processes
from .paths import REPO_ROOT

LOG4J_CONFIG = REPO_ROOT / "deploy" / "kafka" / "log4j2.properties"
HOST = "127.0.0.1"


class KafkaError(RuntimeError):
    pass


@dataclass(frozen=True)
class KafkaPorts:
    broker: int
    controller: int

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.broker}"


def java() -> str:
    home = dev_settings().java_home
    if home and (home / "bin" / "java").exists():
        return str(home / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise KafkaError("java not found (Java 17 is needed to run Kafka)")
    return found


def server_properties(directory: Path, ports: KafkaPorts, partitions: int = 3) -> str:
    log_dir = directory / "data"
    return "\n".join(
        [
            "# written by devtools.stack.kafka",
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@{HOST}:{ports.controller}",
            f"listeners=PLAINTEXT://{HOST}:{ports.broker},CONTROLLER://{HOST}:{ports.controller}",
            f"advertised.listeners=PLAINTEXT://{HOST}:{ports.broker}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            f"log.dirs={log_dir}",
            "auto.create.topics.enable=true",
            f"num.partitions={partitions}",
            "default.replication.factor=1",
            "min.insync.replicas=1",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "log.retention.hours=168",
            "log.segment.bytes=67108864",
            "",
        ]
    )


def _cluster_id(directory: Path) -> str:
    path = directory / "cluster-id"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        if not cid.startswith("-"):
            break
    path.write_text(cid + "\n", encoding="ascii")
    return cid


def _classpath(libs: Path) -> str:
    if not any(libs.glob("kafka_2.13-*.jar")):
        raise KafkaError(f"no Kafka jars in {libs}: run deploy/kafka/fetch.sh")
    return f"{libs}/*"


def prepare(directory: Path, ports: KafkaPorts, libs: Path) -> Path:
    """Write server.properties and format the storage once; return the properties file."""
    directory.mkdir(parents=True, exist_ok=True)
    props = directory / "server.properties"
    props.write_text(server_properties(directory, ports), encoding="utf-8")
    if (directory / "data" / "meta.properties").exists():
        return props
    proc = subprocess.run(
        [
            java(),
            "-Xmx128m",
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            "-cp",
            _classpath(libs),
            "kafka.tools.StorageTool",
            "format",
            "-t",
            _cluster_id(directory),
            "-c",
            str(props),
        ],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        raise KafkaError(f"kafka storage format failed:\n{proc.stdout}{proc.stderr}")
    return props


def start(directory: Path, ports: KafkaPorts, libs: Path, log: Path) -> processes.ProcessRecord:
    """Format (first time) and start the broker in the background."""
    props = prepare(directory, ports, libs)
    logs_dir = directory / "logs"
    logs_dir.mkdir(exist_ok=True)
    argv = [
        java(),
        "-Xms256m",
        "-Xmx512m",
        "-XX:+UseG1GC",
        "-XX:TieredStopAtLevel=1",
        "-Djava.awt.headless=true",
        f"-Dkafka.logs.dir={logs_dir}",
        f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
        "-cp",
        _classpath(libs),
        "kafka.Kafka",
        str(props),
    ]
    return processes.start(
        "kafka",
        argv,
        log=log,
        kind="infra",
        ports={"broker": ports.broker, "controller": ports.controller},
    )


# -- readiness: a Metadata request over the wire ---------------------------------


def _request(sock: socket.socket, api_key: int, version: int, body: bytes) -> bytes:
    client = b"todo-stack"
    header = struct.pack(">hhih", api_key, version, 1, len(client)) + client
    payload = header + body
    sock.sendall(struct.pack(">i", len(payload)) + payload)
    size = struct.unpack(">i", _read(sock, 4))[0]
    return _read(sock, size)


def _read(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed")
        buf += chunk
    return buf


def metadata_brokers(bootstrap: str, timeout: float = 3.0) -> list[tuple[int, str, int]]:
    """Brokers (node id, host, port) from a Metadata v4 request for no topic."""
    host, _, port = bootstrap.rpartition(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.settimeout(timeout)
        # topics: empty array (no topic), allow_auto_topic_creation: false
        resp = _request(sock, 3, 4, struct.pack(">ib", 0, 0))
    offset = 4 + 4  # correlation id, throttle_time_ms
    (count,) = struct.unpack_from(">i", resp, offset)
    offset += 4
    brokers: list[tuple[int, str, int]] = []
    for _ in range(count):
        node_id, hlen = struct.unpack_from(">ih", resp, offset)
        offset += 6
        bhost = resp[offset : offset + hlen].decode()
        offset += hlen
        (bport, rack_len) = struct.unpack_from(">ih", resp, offset)
        offset += 6 + max(rack_len, 0)
        brokers.append((node_id, bhost, bport))
    return brokers


def wait_ready(
    bootstrap: str, timeout: float = 90.0, rec: processes.ProcessRecord | None = None
) -> None:
    """Until the broker answers a Metadata request listing itself."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if rec is not None and not processes.record_alive(rec):
            tail = "\n".join(processes.tail(Path(rec.log), 30))
            raise KafkaError(f"kafka exited during start-up; log tail:\n{tail}")
        try:
            if metadata_brokers(bootstrap):
                return
        except (OSError, struct.error, ValueError) as exc:
            last = exc
        time.sleep(0.5)
    raise KafkaError(f"kafka at {bootstrap} not ready after {timeout:.0f}s ({last})")


def is_ready(bootstrap: str) -> bool:
    try:
        return bool(metadata_brokers(bootstrap, timeout=1.0))
    except (OSError, struct.error, ValueError):
        return False
