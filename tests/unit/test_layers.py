"""The package layers point inward: launch → UI → agent → apps → kernel → platform → contracts.

`launch` (the CLI, the embedded process, one service's process, the local stack and cluster
launchers) assembles every layer; nothing imports it. Each Dapr app id is one package under
`backend_services` (APPS); apps never import each other: what they, the agent and the UI share
is the kernel's. `backend_services/tables.py` (every table, for migrations) is the one module
that reads every app.

Read from the source (AST), so the rule holds for every import, including the ones made
inside functions for a lazy start."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVICES = REPO / "backend_services"
APPS = (
    "audit_service",
    "notification_service",
    "recurring_worker",
    "reminder_service",
    "task_service",
)
DOMAINS = (*APPS, "kernel")


def sources(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def offenders(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path.name} imports {name}"
        for path in files
        for name in imports_of(path)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    )


def test_platform_imports_no_domain() -> None:
    files = sorted((SERVICES / "platform").rglob("*.py"))
    assert files
    forbidden = (*(f"backend_services.{d}" for d in DOMAINS), "agent", "chat_ui")
    assert offenders(files, forbidden) == []


def test_no_app_imports_another() -> None:
    for app in APPS:
        files = sorted((SERVICES / app).rglob("*.py"))
        assert files, app
        siblings = tuple(f"backend_services.{a}" for a in APPS if a != app)
        assert offenders(files, siblings) == [], app


def test_the_kernel_imports_no_app() -> None:
    files = sorted((SERVICES / "kernel").rglob("*.py"))
    assert len(files) > 5
    forbidden = (*(f"backend_services.{a}" for a in APPS), "backend_services.tables")
    assert offenders(files, forbidden) == []


def test_within_task_service_tasks_then_users_then_admin() -> None:
    """task-service's three parts in one direction: users act on tasks (a zone change moves
    wall times, a deletion removes the account's tasks); admin acts on both; app.py wires."""
    app = SERVICES / "task_service"
    below = {
        "tasks": ("users", "admin"),
        "users": ("admin",),
    }
    for part, above in below.items():
        files = sorted((app / part).rglob("*.py"))
        assert files, part
        forbidden = (
            *(f"backend_services.task_service.{a}" for a in above),
            "backend_services.task_service.app",
            "backend_services.task_service.handlers",
        )
        assert offenders(files, forbidden) == [], part


def test_the_agent_and_ui_import_no_app() -> None:
    """They share the kernel (wording, RRULE rules, task schemas, token format) with the apps."""
    files = sources("agent") + sources("chat_ui")
    assert offenders(files, tuple(f"backend_services.{a}" for a in APPS)) == []


def test_services_import_no_agent_ui_or_launcher() -> None:
    files = sources("backend_services")
    assert len(files) > 30
    assert offenders(files, ("agent", "chat_ui", "launch")) == []


def test_the_agent_imports_no_ui_or_launcher() -> None:
    files = sources("agent")
    assert len(files) > 5
    assert offenders(files, ("chat_ui", "launch")) == []


def test_the_ui_imports_no_launcher() -> None:
    files = sources("chat_ui")
    assert len(files) > 3
    assert offenders(files, ("launch",)) == []


def test_the_token_bucket_needs_no_web_framework_or_tables() -> None:
    """The agent counts chat turns with it: no FastAPI, no app support, no tables."""
    ratelimit = SERVICES / "platform" / "token_bucket.py"
    forbidden = (
        "fastapi",
        "starlette",
        "sqlmodel",
        "sqlalchemy",
        "backend_services.platform.app_support",
    )
    assert offenders([ratelimit], forbidden) == []


def test_the_rule_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from backend_services.task_service.users import service\n")
    assert offenders([bad], ("backend_services.task_service",)) != []
