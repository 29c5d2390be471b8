"""Third-party modules that our processes import through a dependency but never use, loaded
only if something does use them (issue 10: start-up time and idle RSS, measured on this
2-core machine):

- `httpx._main`: httpx's `__init__` imports its command-line tool, which imports click,
  pygments and rich — about half of `import httpx` (~0.1 s CPU) and ~6 MB of RSS in every
  process (services, chat-ui, the CLI). Nothing here runs the `httpx` command.
- `traceloop.sdk`: Chainlit imports Literal AI's client, which imports the whole Traceloop SDK
  (aiohttp, requests, OTLP exporters, evaluators ...) for an integration this app never turns
  on (no LITERAL_API_KEY): ~0.65 s of CPU of `import chainlit` and ~34 MB of RSS.

`defer_unused_imports()` registers a placeholder for each: it holds the names those importers
take (`httpx._main.main`, `traceloop.sdk.Traceloop`), and the first use of one of them loads
the real module and forwards to it, so behaviour is unchanged when they are used. It must
run before httpx / chainlit are imported: `backend_services` and `chat_ui` call it in their
package `__init__`. A module already imported is left alone.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

HTTPX_CLI = "httpx._main"
TRACELOOP = "traceloop.sdk"


def _real(module: str) -> Any:
    """The real module, imported now if only its placeholder was there."""
    if getattr(sys.modules.get(module), "__deferred__", False):
        del sys.modules[module]
    return importlib.import_module(module)


def _httpx_main(*args: Any, **kwargs: Any) -> Any:
    return _real(HTTPX_CLI).main(*args, **kwargs)


class _ForwardOnUse(type):
    def __getattr__(cls, name: str) -> Any:
        return getattr(_real(TRACELOOP).Traceloop, name)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return _real(TRACELOOP).Traceloop(*args, **kwargs)


class _Traceloop(metaclass=_ForwardOnUse):
    """Stands for `traceloop.sdk.Traceloop` until first used."""


def _placeholder(module: str, **names: Any) -> None:
    if module in sys.modules:
        return
    placeholder = types.ModuleType(module, "placeholder: the real module loads on first use")
    placeholder.__deferred__ = True  # type: ignore[attr-defined]
    for name, value in names.items():
        setattr(placeholder, name, value)
    sys.modules[module] = placeholder


def defer_unused_imports() -> None:
    """Idempotent."""
    _placeholder(HTTPX_CLI, main=_httpx_main)
    _placeholder(TRACELOOP, Traceloop=_Traceloop)
