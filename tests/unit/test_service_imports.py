"""A service's process (`python -m launch.serve <app-id>`) loads its own app only: no chat UI,
agent or LLM client, and no other app's package (issue 27: idle RSS per service).

Each check runs in a fresh interpreter, building the app as launch.serve does, and looks at
sys.modules afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from launch.services import APP_MODULES

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import launch.serve as serve
from backend_services.platform.settings import Settings
from backend_services.platform.sidecar_runtime import SidecarRuntime
app_id = sys.argv[1]
settings = Settings(runtime="sidecar", app_id=app_id,
                    database_url="postgresql+psycopg://probe@127.0.0.1:1/probe")
app = serve.BACKEND_SERVICES[app_id](settings, SidecarRuntime(settings.dapr_http_port, "t"))
print(json.dumps({"title": app.title, "modules": sorted(sys.modules)}))
"""

UI_AND_LLM = ("chainlit", "chat_ui", "agent", "openai", "mcp", "literalai")


def app_package(module: str) -> str:
    return module.rsplit(".", 1)[0]  # backend_services.<app>.app -> backend_services.<app>


@pytest.mark.parametrize("app_id", sorted(APP_MODULES))
def test_a_service_process_loads_its_app_only(app_id: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DATABASE_URL"))}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, app_id],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    modules = set(result["modules"])
    assert result["title"]
    assert APP_MODULES[app_id] in modules
    others = tuple(app_package(m) for a, m in APP_MODULES.items() if a != app_id)
    unwanted = (*UI_AND_LLM, *others)
    loaded = sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in unwanted))
    assert loaded == []
