"""The development tools (``devtools/``: the local stack, the local cluster) are not in the
wheel: ``todo stack`` and ``todo k8s`` import them from a checkout, and say so clearly when
they are not there."""

from __future__ import annotations

import importlib
from types import ModuleType


class DevToolsMissing(RuntimeError):
    """The command needs devtools/ (a checkout of the repository), and this install has none."""


def dev_module(name: str) -> ModuleType:
    """``devtools.<name>``, e.g. ``stack.commands``; DevToolsMissing when devtools/ is absent."""
    try:
        return importlib.import_module(f"devtools.{name}")
    except ModuleNotFoundError as exc:
        if exc.name is not None and (exc.name == "devtools" or exc.name.startswith("devtools.")):
            raise DevToolsMissing(
                f"devtools.{name} is not installed: the local stack and cluster commands run "
                "from a checkout of the repository (`make setup`, then `.venv/bin/todo ...`)"
            ) from exc
        raise
