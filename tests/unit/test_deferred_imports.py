"""chat_ui defers the Traceloop SDK that Chainlit's Literal AI client imports (issue 10:
`todo up` start-up and chat-ui memory), and the real SDK still answers once used.

Each check runs in a fresh interpreter: the point is what an import leaves in sys.modules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
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


def probe() -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def test_chainlit_through_chat_ui_does_not_load_traceloop_until_used() -> None:
    result = probe()
    assert result["before"] == ["traceloop.sdk"]  # the placeholder only, no aiohttp
    assert result["real_loaded"] is True
    assert result["same_init"] is True
    assert str(result["module_file"]).endswith("traceloop/sdk/__init__.py")
