"""The `todo` CLI loads only what each command uses (issue 10: slow CLI start).

Each check runs in a fresh interpreter and looks at sys.modules afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

# never needed by `todo tasks` / `todo chat` / `todo token` / `todo users`
UI_AND_LLM = ("chainlit", "chat_ui", "openai", "uvicorn")
OTHER_SERVICES = (
    "launch.embedded",
    "launch.services",
    "backend_services.reminder_service.app",
    "backend_services.recurring_worker.app",
    "backend_services.notification_service.app",
    "backend_services.audit_service.app",
)

PROBE = """
import json, sys
from launch.cli import main
code = main(sys.argv[2:]) if len(sys.argv) > 2 else 0
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""

# the same, counting the FastAPI apps built on the way
COUNTING_PROBE = """
import json, sys
import fastapi
built = []
init = fastapi.FastAPI.__init__
def counting(self, *args, **kwargs):
    built.append(kwargs.get("title"))
    init(self, *args, **kwargs)
fastapi.FastAPI.__init__ = counting
from launch.cli import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules), "apps": built}, out)
"""


def run_probe(tmp_path: Path, probe: str, *argv: str) -> dict[str, Any]:
    report = tmp_path / "modules.json"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DATABASE_URL")
    }
    env["TODO_DATA_DIR"] = str(tmp_path / "data")
    subprocess.run(
        [sys.executable, "-c", probe, str(report), *argv],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    result: dict[str, Any] = json.loads(report.read_text())
    assert result["code"] == 0
    return result


def loaded(tmp_path: Path, *argv: str) -> set[str]:
    return set(run_probe(tmp_path, PROBE, *argv)["modules"])


def offending(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


def test_importing_the_cli_loads_no_app_framework_or_ui(tmp_path: Path) -> None:
    modules = loaded(tmp_path)
    unwanted = (*UI_AND_LLM, *OTHER_SERVICES, "agent", "backend_services.task_service", "fastapi")
    assert offending(modules, unwanted) == []


@pytest.mark.parametrize(
    "argv",
    [
        ("tasks", "--user", "alice"),
        ("token", "--user", "alice"),
        ("users", "list"),
    ],
    ids=["tasks", "token", "users"],
)
def test_reading_commands_build_no_app(tmp_path: Path, argv: tuple[str, ...]) -> None:
    modules = loaded(tmp_path, *argv)
    # metrics are served by processes that run an app; httpx's own CLI by no one; argon2
    # checks passwords at sign-in only
    unused = ("prometheus_client", "rich", "click", "argon2")
    unwanted = (*UI_AND_LLM, *OTHER_SERVICES, "agent", "backend_services.task_service.app", *unused)
    assert offending(modules, unwanted) == []


def test_chat_uses_the_agent_and_task_service_only(tmp_path: Path) -> None:
    result = run_probe(tmp_path, COUNTING_PROBE, "chat", "--user", "alice", "add milk")
    assert result["apps"] == ["Task service"]
    modules = set(result["modules"])
    assert "agent.service" in modules
    # task-service's admin routes import reminders.app's ReminderView (a model, no app)
    others = tuple(m for m in OTHER_SERVICES if m != "backend_services.reminder_service.app")
    # no password is checked on the way: argon2 stays unloaded
    assert offending(modules, (*UI_AND_LLM, *others, "argon2")) == []
