"""The sidecar runtime's paths against one real daprd 1.18.3 (no Kafka, no scheduler: an
in-memory state store, and an app that answers every request with the path it received).

What daprd does with a service invocation's method (measured here, so the rule in
platform/service_paths.py stays justified): it decodes it once, then collapses dot segments,
so an encoded `x%2F..%2F..%2Fadmin` reaches the app as `/admin`; hence the sidecar refuses any
segment that decodes to `/`, `\\`, `?`, `#`, `%`, a control character or a dot segment
before sending, and every
segment it does send reaches the app whole: exactly the route the caller built.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest
import uvicorn

from backend_services.contracts import STATESTORE
from backend_services.platform.service_paths import UnsafePath, service_path
from backend_services.platform.sidecar_runtime import SidecarRuntime, wait_for_sidecar
from devtools.stack.dapr import binary
from devtools.stack.ports import free_port
from tests.security.test_id_paths import WALKING_IDS

pytestmark = pytest.mark.stack

APP_ID = "path-probe"
STATE = """apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: statestore
spec:
  type: state.in-memory
  version: v1
  metadata: []
"""


async def echo(scope: Any, receive: Any, send: Any) -> None:
    """Answers every request with the path and query it received."""
    if scope["type"] != "http":
        return
    body = json.dumps({"path": scope["path"], "query": scope["query_string"].decode()}).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@dataclass
class Daprd:
    http_port: int

    def run(self, work: Any) -> Any:
        async def go() -> Any:
            runtime = SidecarRuntime(self.http_port)
            await runtime.start()
            try:
                return await work(runtime)
            finally:
                await runtime.stop()

        return asyncio.run(go())


@pytest.fixture(scope="module")
def daprd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daprd]:
    work = Path(tmp_path_factory.mktemp("daprd"))
    (work / "resources").mkdir()
    (work / "resources" / "statestore.yaml").write_text(STATE)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(echo, log_level="warning", log_config=None))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])))
    thread.start()
    ports = [free_port() for _ in range(4)]
    log = (work / "daprd.log").open("wb")
    proc = subprocess.Popen(
        [
            str(binary("daprd")),
            "--app-id", APP_ID,
            "--app-port", str(sock.getsockname()[1]),
            "--dapr-http-port", str(ports[0]),
            "--dapr-grpc-port", str(ports[1]),
            "--metrics-port", str(ports[2]),
            "--dapr-internal-grpc-port", str(ports[3]),
            "--resources-path", str(work / "resources"),
            "--placement-host-address", "",
            "--scheduler-host-address", "",
            "--log-level", "warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_sidecar(ports[0], timeout=120)
        deadline = time.monotonic() + 120
        while not server.started:  # the app too: daprd reaches it on the first invoke
            assert time.monotonic() < deadline, "the echo app did not start"
            time.sleep(0.05)
        yield Daprd(ports[0])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
        log.close()
        server.should_exit = True
        thread.join(timeout=30)


def test_daprd_collapses_encoded_dot_segments_so_they_are_refused_before_sending(
    daprd: Daprd,
) -> None:
    """The measurement behind the rule: a raw request (not our runtime) with an encoded `/`
    and `..` in one segment reaches another route of the app."""
    base = f"http://127.0.0.1:{daprd.http_port}/v1.0/invoke/{APP_ID}/method"
    walked = httpx.get(f"{base}/tasks/abc%2F..%2F..%2Fadmin", timeout=30)
    assert walked.status_code == 200 and walked.json()["path"] == "/admin", walked.text

    async def work(runtime: SidecarRuntime) -> None:
        with pytest.raises(UnsafePath):
            await runtime.invoke(APP_ID, service_path("tasks", "abc/../../admin"))

    daprd.run(work)


def test_every_segment_the_sidecar_sends_reaches_the_app_whole(daprd: Daprd) -> None:
    own = "3f2b6c1e-0a4d-4c3b-9e55-2b1f7d8c9a10"
    values = [bad.replace("{id}", own) for bad in WALKING_IDS] + [
        "a:b",
        "a b",
        "a;b",
        "a=b&c",
        "ü",
        "x@y",
        "a+b",
        own,
    ]

    async def work(runtime: SidecarRuntime) -> tuple[dict[str, Any], list[str]]:
        arrived: dict[str, Any] = {}
        refused: list[str] = []
        for value in values:
            try:
                path = service_path("tasks", value, "reminders")
                result = await runtime.invoke(APP_ID, path, http_method="DELETE")
            except UnsafePath:
                refused.append(value)
                continue
            assert result.status_code == 200, (value, result.status_code, result.body)
            arrived[value] = result.body
        return arrived, refused

    arrived, refused = daprd.run(work)
    for value, seen in arrived.items():
        assert seen == {"path": f"/tasks/{value}/reminders", "query": ""}, (value, seen)
    for value in refused:  # only what would not stay one segment after daprd's decoding
        decoded_once = unquote(quote(value, safe=""))
        special = set("/\\?#%\x7f") | {chr(c) for c in range(0x20)}
        assert value in ("", ".", "..") or special & set(decoded_once), value
    assert "../../../admin/users/victim" in refused and own in arrived and "a:b" in arrived


def test_state_keys_round_trip_encoded_and_walking_keys_are_refused(daprd: Daprd) -> None:
    keys = ["conversation:alice:3f2b6c1e-0a4d-4c3b-9e55-2b1f7d8c9a10", "mcp-ab12:x y", "ü;="]

    async def work(runtime: SidecarRuntime) -> tuple[list[Any], list[Any], int]:
        for n, key in enumerate(keys):
            await runtime.save_state(STATESTORE, key, {"n": n})
        read = [(await runtime.get_state(STATESTORE, key))[0] for key in keys]
        for key in keys:
            await runtime.delete_state(STATESTORE, key)
        gone = [await runtime.get_state(STATESTORE, key) for key in keys]
        refused = 0
        for bad in ("..", ".", "../statestore/x", "a/b", "a\\b", "a?b", "a#b", "a%b", ""):
            for attempt in (
                runtime.get_state(STATESTORE, bad),
                runtime.save_state(STATESTORE, bad, {"x": 1}),
                runtime.delete_state(STATESTORE, bad),
                runtime.get_job(bad),
                runtime.delete_job(bad),
            ):
                try:
                    await attempt
                except UnsafePath:
                    refused += 1
        return read, gone, refused

    read, gone, refused = daprd.run(work)
    assert read == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert gone == [(None, None)] * 3
    assert refused == 9 * 5
