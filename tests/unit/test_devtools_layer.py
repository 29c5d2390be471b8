"""The dev tools (devtools/: the local stack, the local cluster, the benchmarks) stay out of the
product: the wheel's packages never import them (`todo stack` / `todo k8s` load them by name
through launch/dev_tools.py, from a checkout), and the wheel does not carry them."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from launch.dev_tools import DevToolsMissing, dev_module

REPO = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def wheel_packages() -> list[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"])


def test_the_wheel_carries_the_product_only() -> None:
    assert sorted(wheel_packages()) == ["agent", "backend_services", "chat_ui", "launch"]
    for package in wheel_packages():
        for old in ("stack", "k8s", "bench"):
            assert not (REPO / package / old).exists(), f"{package}/{old} belongs in devtools/"


def test_the_product_never_imports_devtools() -> None:
    offenders = [
        f"{path.relative_to(REPO)} imports {name}"
        for package in wheel_packages()
        for path in sorted((REPO / package).rglob("*.py"))
        for name in imported_modules(path)
        if name == "devtools" or name.startswith("devtools.")
    ]
    assert offenders == []


def test_build_scripts_do_not_import_the_stack() -> None:
    """devtools/build_scripts.py is used by the stack and the cluster: no way back."""
    names = imported_modules(REPO / "devtools" / "build_scripts.py")
    assert not {n for n in names if n.startswith("devtools.")}


def test_dev_module_loads_from_a_checkout_and_explains_otherwise() -> None:
    assert dev_module("stack.commands").main is not None
    with pytest.raises(DevToolsMissing, match="from a checkout"):
        dev_module("no_such_tool")
