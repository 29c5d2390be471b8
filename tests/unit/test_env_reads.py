"""Environment variables are read by name only in the settings modules: every other module
takes its settings from `Settings` (or from the dev tools' own settings). A read is any
`os.environ[...]`, `os.environ.get/setdefault/pop(...)`, `os.getenv(...)`, `"X" in
os.environ` (or the same on a bare `environ` imported from os). Handing a child process the
whole environment (`dict(os.environ)`, `{**os.environ}`) is not a read by name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SETTINGS_MODULES = {
    "backend_services/platform/settings.py",
    "backend_services/platform/config",
    "devtools/settings.py",
}
# the tests, and the bench, which sets the environment of the processes it measures (the
# other dev tools read theirs through devtools/settings.py)
ALLOWED = {"devtools/bench", "tests"}
NOT_OURS = {".venv", ".git", "deploy", "node_modules", ".files"}


def _allowed(relative: str) -> bool:
    return any(
        relative == prefix or relative.startswith(prefix + "/")
        for prefix in SETTINGS_MODULES | ALLOWED
    )


def _is_environ(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute) and node.attr == "environ":
        return isinstance(node.value, ast.Name) and node.value.id == "os"
    return isinstance(node, ast.Name) and node.id == "environ"


def _imports_environ_from_os(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "os"
        and any(alias.name in {"environ", "getenv"} for alias in node.names)
        for node in ast.walk(tree)
    )


def env_reads(source: str) -> list[int]:
    """The lines of `source` that read an environment variable by name."""
    tree = ast.parse(source)
    bare = _imports_environ_from_os(tree)
    lines: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load | ast.Del):
            hit = _is_environ(node.value) and (bare or isinstance(node.value, ast.Attribute))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            hit = (
                func.attr in {"get", "setdefault", "pop"}
                and _is_environ(func.value)
                and (bare or isinstance(func.value, ast.Attribute))
            ) or (
                func.attr in {"getenv", "getenvb"}
                and isinstance(func.value, ast.Name)
                and func.value.id == "os"
            )
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            hit = bare and node.func.id == "getenv"
        elif isinstance(node, ast.Compare):
            hit = any(
                isinstance(op, ast.In | ast.NotIn) and _is_environ(right)
                for op, right in zip(node.ops, node.comparators, strict=True)
            ) and (bare or any(isinstance(c, ast.Attribute) for c in node.comparators))
        else:
            hit = False
        if hit:
            lines.append(getattr(node, "lineno", 0))
    return sorted(set(lines))


def python_files() -> list[Path]:
    return sorted(
        path for path in REPO.rglob("*.py") if not NOT_OURS & set(path.relative_to(REPO).parts)
    )


def test_environment_is_read_only_in_settings_modules() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{line}"
        for path in python_files()
        if not _allowed(path.relative_to(REPO).as_posix())
        for line in env_reads(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, (
        "environment variables read outside the settings modules (add a field to a settings"
        f" class in backend_services/platform/config/concerns.py instead): {offenders}"
    )


def test_the_scan_covers_the_product() -> None:
    scanned = {path.relative_to(REPO).parts[0] for path in python_files()}
    assert {"backend_services", "agent", "chat_ui", "launch"} <= scanned


@pytest.mark.parametrize(
    "source",
    [
        'import os\nx = os.environ.get("A")',
        'import os\nx = os.environ["A"]',
        'import os\nx = os.getenv("A", "1")',
        'import os\nos.environ.setdefault("A", "1")',
        'import os\nx = "A" in os.environ',
        'from os import environ\nx = environ.get("A")',
        'from os import getenv\nx = getenv("A")',
    ],
)
def test_each_way_of_reading_is_caught(source: str) -> None:
    assert env_reads(source) == [2]


@pytest.mark.parametrize(
    "source",
    [
        "import os\nenv = dict(os.environ)",
        "import os\nenv = {**os.environ, 'A': '1'}",
        "def connect(environ):\n    return environ.get('HTTP_COOKIE')",  # an ASGI/WSGI scope
        "import os\nos.environ['A'] = '1'",  # handing a library its variable
    ],
)
def test_what_is_not_a_read_by_name(source: str) -> None:
    assert env_reads(source) == []
