"""Chainlit imports Literal AI's client, which imports the whole Traceloop SDK at module level
(`from traceloop.sdk import Traceloop`: aiohttp, requests, OTLP exporters, evaluators ...),
for an integration this app never turns on (no LITERAL_API_KEY). Measured on this 2-core
machine: ~0.65 s of CPU of `import chainlit` and ~34 MB of RSS (issue 10: `todo up` start-up,
chat-ui idle RSS).

`defer_traceloop()` registers a placeholder `traceloop.sdk` module whose `Traceloop` loads the
real SDK on first use and forwards to it, so the import costs nothing until something calls
`Traceloop.init(...)` (Literal AI's instrumentation) — then it behaves as before.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

MODULE = "traceloop.sdk"


def _real_traceloop() -> Any:
    placeholder = sys.modules.get(MODULE)
    if getattr(placeholder, "__deferred__", False):
        del sys.modules[MODULE]  # let the import system load the real package
    return importlib.import_module(MODULE).Traceloop


class _ForwardOnUse(type):
    def __getattr__(cls, name: str) -> Any:
        return getattr(_real_traceloop(), name)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return _real_traceloop()(*args, **kwargs)


class Traceloop(metaclass=_ForwardOnUse):
    """Stands for `traceloop.sdk.Traceloop` until first used."""


def defer_traceloop() -> None:
    """Idempotent; does nothing if the real SDK is already imported."""
    if MODULE in sys.modules:
        return
    placeholder = types.ModuleType(MODULE, "placeholder: the real SDK loads on first use")
    placeholder.__deferred__ = True  # type: ignore[attr-defined]
    placeholder.Traceloop = Traceloop  # type: ignore[attr-defined]
    sys.modules[MODULE] = placeholder
