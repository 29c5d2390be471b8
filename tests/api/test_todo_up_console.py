"""What `todo up` shows a person (issue 22): on a fresh data dir, a few plain lines before the
first request (the URL, the first-login password, the MCP hint), none of them JSON, and the
JSON logs in a file under the data dir; `--log-format json` puts them on stdout instead.
Also what its /docs page needs (everything from this server) and the OpenAPI's bearer scheme.

`todo up` runs in a subprocess on its own data dir and port, as a person would start it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlparse

import httpx
import pytest

from devtools.stack.ports import free_port

TODO = Path(sys.executable).with_name("todo")
START_TIMEOUT = 120  # ~5 s on an idle machine
MAX_PLAIN_LINES = 15


class Up:
    def __init__(self, data_dir: Path, *args: str) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("OPENAI_", "TODO_", "CHAINLIT_")) and k != "DATABASE_URL"
        }
        env["TODO_DATA_DIR"] = str(data_dir)
        self.stdout, self.stderr = data_dir.parent / "stdout.txt", data_dir.parent / "stderr.txt"
        with self.stdout.open("wb") as out, self.stderr.open("wb") as err:
            self.proc = subprocess.Popen(
                [str(TODO), "up", "--port", str(self.port), *args],
                env=env,
                stdout=out,
                stderr=err,
            )

    def wait_ready(self) -> None:
        """Until the health check answers: no request but this one has been made."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"todo up exited: {self.output()}"
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"todo up did not answer in {START_TIMEOUT} s: {self.output()}")

    def output(self) -> tuple[str, str]:
        return self.stdout.read_text(), self.stderr.read_text()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    server = Up(tmp_path / "data")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def _is_json(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def test_first_start_prints_a_few_plain_lines_and_logs_json_to_a_file(up: Up) -> None:
    stdout, stderr = up.output()
    lines = [line for line in (stdout + stderr).splitlines() if line.strip()]
    assert 3 <= len(lines) <= MAX_PLAIN_LINES, lines
    assert not [line for line in lines if _is_json(line)], lines
    assert f"at {up.url}" in stdout
    password = (up.data_dir / "first-login.txt").read_text().split("password: ")[1].split()[0]
    assert password in stdout  # the first-login password, once
    assert f"{up.url}/mcp" in stdout
    assert "Traceback" not in stderr

    log = up.data_dir / "logs" / "todo.log"
    entries = log.read_text().splitlines()
    assert entries and all(_is_json(line) for line in entries), entries[:5]
    assert any("Running upgrade" in json.loads(line)["message"] for line in entries)


def test_log_format_json_puts_the_log_lines_on_stdout(tmp_path: Path) -> None:
    server = Up(tmp_path / "data", "--log-format", "json")
    try:
        server.wait_ready()
    finally:
        server.stop()
    stdout, stderr = server.output()
    logged = stdout.splitlines()
    assert logged and all(_is_json(line) for line in logged), logged[:5]
    assert any(json.loads(line)["logger"] == "alembic.runtime.migration" for line in logged)
    assert f"at {server.url}" in stderr  # the plain lines keep stdout JSON only
    assert not (server.data_dir / "logs").exists()


def test_docs_load_everything_from_this_server(up: Up) -> None:
    page = httpx.get(f"{up.url}/docs", timeout=10)
    assert page.status_code == 200
    refs = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", page.text)
    assert refs, page.text
    for ref in refs:
        target = urljoin(f"{up.url}/docs", ref)
        assert urlparse(target).netloc == f"127.0.0.1:{up.port}", (ref, page.text)
        answer = httpx.get(target, timeout=10)
        assert answer.status_code == 200, (ref, answer.status_code)
        assert answer.content, ref
    assert "swagger-ui-bundle.js" in page.text and "swagger-ui.css" in page.text


def test_openapi_names_its_bearer_scheme(up: Up) -> None:
    spec = httpx.get(f"{up.url}/openapi.json", timeout=10).json()
    schemes = spec["components"]["securitySchemes"]
    bearer = [n for n, s in schemes.items() if (s["type"], s.get("scheme")) == ("http", "bearer")]
    assert bearer, schemes
    listing = spec["paths"]["/tasks"]["get"]
    assert {bearer[0]: []} in listing["security"], listing
    login = spec["paths"]["/auth/login"]["post"]
    assert "security" not in login, login  # signing in needs no token
