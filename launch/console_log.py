"""Where `todo up` writes its logs, and what a person at its terminal sees.

By default (`--log-format plain`) the terminal shows a few plain lines: the URL, the first-login
password, the MCP hint (printed by `cmd_up`), then one line per problem (a WARNING or worse,
its first line only, pointing at the log file for the details). Every log record, at
TODO_LOG_LEVEL and in TODO_LOG_FORMAT (JSON by default), goes to `<data dir>/logs/todo.log`
(rotated). `--log-format json` writes the JSON lines to stdout instead, for a process manager
or a log shipper; the plain lines then go to stderr so that stdout stays one JSON object per
line. The real stack and the chart start their apps with `launch.serve`, which keeps
`setup_telemetry`'s JSON lines on stderr: this module is `todo up`'s only.
"""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Literal, TextIO

from backend_services.platform.settings import Settings, private_dir
from backend_services.platform.telemetry.logs import JsonFormatter, TextFormatter
from backend_services.platform.telemetry.tracing import configure_tracing

ConsoleFormat = Literal["plain", "json"]
CONSOLE_FORMATS: tuple[ConsoleFormat, ...] = ("plain", "json")
LOG_FILE = Path("logs") / "todo.log"
LOG_FILE_BYTES = 10 * 1024 * 1024
LOG_FILE_BACKUPS = 3
# chatty at INFO and of no use to a person: an in-process call per event and per chat turn
QUIET_LOGGERS = ("httpx",)
# Chainlit warnings that are no problem of ours (the file keeps them): we keep no chainlit.md
# readme, and the task panel's element is rebuilt on every chat start, never stored
NOT_PROBLEMS = (
    "Translated markdown file for",
    "SQLAlchemyDataLayer storage client is not initialized",
)


def is_problem(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith(NOT_PROBLEMS)


class ProblemLine(logging.Formatter):
    """One short line per problem: `warning: <first line of the message>`, and where the
    details (the traceback, the structured fields) are kept."""

    def __init__(self, details: Path) -> None:
        super().__init__()
        self.details = details

    def format(self, record: logging.LogRecord) -> str:
        lines = record.getMessage().strip().splitlines() or [record.name]
        more = len(lines) > 1 or record.exc_info is not None
        where = f" (details in {self.details})" if more else ""
        return f"{record.levelname.lower()}: {lines[0]}{where}"


def _reset_root(level: str) -> logging.Logger:
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return root


def log_file(settings: Settings) -> Path:
    return settings.data_dir / LOG_FILE


def setup_up_logging(settings: Settings, service: str, console: ConsoleFormat) -> TextIO:
    """Logs and tracing for `todo up`; returns the stream the plain lines are printed on."""
    configure_tracing(settings.otlp_endpoint, settings.trace_sampling, service)
    root = _reset_root(settings.log_level)
    structured: logging.Formatter = (
        TextFormatter() if settings.log_format == "text" else JsonFormatter(service)
    )
    if console == "json":
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter(service))
        root.addHandler(handler)
        return sys.stderr
    path = log_file(settings)
    private_dir(path.parent)
    to_file = RotatingFileHandler(
        path, maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILE_BACKUPS, encoding="utf-8"
    )
    to_file.setFormatter(structured)
    root.addHandler(to_file)
    problems = logging.StreamHandler(sys.stderr)
    problems.setLevel(logging.WARNING)
    problems.addFilter(is_problem)
    problems.setFormatter(ProblemLine(path))
    root.addHandler(problems)
    return sys.stdout
