"""Unused third-party modules that dependencies import are loaded only when used (issue 10:
start-up time and idle RSS; backend_services/platform/deferred_imports.py), and the real
module answers once they are.

Each check runs in a fresh interpreter: the point is what an import leaves in sys.modules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

CHAINLIT = """
import json, sys
import chat_ui, chainlit
from literalai.client import Traceloop as seen_by_literalai
before = sorted(m for m in sys.modules if m.startswith(("traceloop", "aiohttp")))
init = seen_by_literalai.init  # first use: the real SDK loads
from traceloop.sdk import Traceloop
print(json.dumps({
    "before": before,
    "real_loaded": "traceloop.sdk.client" in sys.modules,
    "same_init": init == Traceloop.init,
    "module_file": getattr(sys.modules["traceloop.sdk"], "__file__", None),
}))
"""

HTTPX = """
import json, sys
import backend_services.platform.embedded_runtime, httpx
before = sorted(m for m in sys.modules if m.split(".")[0] in ("rich", "click", "pygments"))
try:
    httpx.main(["--help"])  # the real command line: prints its help, exits 0
except SystemExit as exc:
    code = exc.code
print(json.dumps({
    "before": before,
    "code": code,
    "rich_loaded": "rich.console" in sys.modules,
    "module_file": getattr(sys.modules["httpx._main"], "__file__", None),
}))
"""


def probe(code: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def test_chainlit_through_chat_ui_loads_traceloop_only_when_used() -> None:
    result = probe(CHAINLIT)
    assert result["before"] == ["traceloop.sdk"]  # the placeholder only, no aiohttp
    assert result["real_loaded"] is True
    assert result["same_init"] is True
    assert str(result["module_file"]).endswith("traceloop/sdk/__init__.py")


def test_httpx_through_backend_services_loads_its_cli_only_when_used() -> None:
    result = probe(HTTPX)
    assert result["before"] == []
    assert result["code"] in (0, None)
    assert result["rich_loaded"] is True
    assert str(result["module_file"]).endswith("httpx/_main.py")
