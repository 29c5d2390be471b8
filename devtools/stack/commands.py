"""``todo stack up|status|logs|down``: the local real stack's command line."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from backend_services.contracts import AppId

from . import jaeger, trace_view
from .paths import APP_IDS, default_stack_dir
from .processes import tail
from .stack import Stack, StackError, UpOptions, format_table, parse_replicas
from .trace_logs import follow_trace, lines_of_trace


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="todo stack",
        description="Local stack: PostgreSQL, Kafka, Dapr scheduler, six services with daprd.",
    )
    parser.add_argument(
        "--stack-dir",
        type=Path,
        default=None,
        help="stack directory (default: $TODO_STACK_DIR or <repo>/var/stack)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="build/fetch what is missing, start everything, wait healthy")
    apps = up.add_mutually_exclusive_group()
    apps.add_argument(
        "--apps",
        dest="apps",
        action="store_true",
        default=True,
        help="start the app processes (the default)",
    )
    apps.add_argument(
        "--no-apps", dest="apps", action="store_false", help="sidecars only, without app processes"
    )
    up.add_argument(
        "--no-build",
        action="store_true",
        help="do not run deploy/dapr/build.sh and deploy/kafka/fetch.sh",
    )
    up.add_argument(
        "--only",
        action="append",
        choices=APP_IDS,
        metavar="APP_ID",
        help="start only these services (repeatable)",
    )
    tracing = up.add_mutually_exclusive_group()
    tracing.add_argument(
        "--tracing",
        dest="tracing",
        action="store_true",
        default=None,
        help="run Jaeger (built once from the Go module proxy) and send every app's and"
        " daprd's spans to it; its UI/API URL is printed. Without it: as the previous `up`",
    )
    tracing.add_argument("--no-tracing", dest="tracing", action="store_false")
    up.add_argument(
        "--replicas",
        action="append",
        metavar="N|APP_ID=N",
        help="instances of every service (N) or of one (APP_ID=N), each with its own daprd"
        " under the same app-id; repeatable, later wins: --replicas 2 --replicas chat-ui=3."
        " Without it: as the previous `up` (1 at first); --replicas 1 scales back down",
    )

    status = sub.add_parser("status", help="processes, health, ports")
    status.add_argument("--json", action="store_true", help="machine-readable output")

    logs = sub.add_parser(
        "logs", help="show a process's log (<stack>/logs/NAME.log), or one trace's lines"
    )
    logs.add_argument(
        "name",
        nargs="?",
        help="e.g. kafka, postgres, scheduler, chat-ui, daprd-chat-ui, chat-ui#2",
    )
    logs.add_argument(
        "--trace",
        metavar="TRACE_ID",
        help="the lines of one trace (32 hex digits) from every process, in time order",
    )
    logs.add_argument("-n", "--lines", type=int, default=100)
    logs.add_argument("-f", "--follow", action="store_true")

    trace = sub.add_parser(
        "trace",
        help="print a trace from the stack's Jaeger (up --tracing) as a tree, or find traces",
    )
    trace.add_argument("trace_id", nargs="?", help="32 hex digits (from a log line's trace_id)")
    trace.add_argument("--service", default=AppId.REMINDERS.value, help="for a search")
    trace.add_argument("--operation", help="for a search, e.g. 'reminder job fired'")
    trace.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="for a search, e.g. todo.reminder_id=<id>",
    )

    down = sub.add_parser("down", help="stop everything")
    down.add_argument(
        "--purge",
        action="store_true",
        help="also delete the stack directory (databases, topics, jobs)",
    )
    return parser


def _replica_line(replicas: dict[str, int]) -> str:
    return "replicas: " + (", ".join(f"{k}={v}" for k, v in replicas.items()) or "-")


def _sign_in_line(root: Path) -> str:
    """As `todo up` does: a first account while none has a password, its password printed
    once and kept in <stack dir>/first-login.txt; otherwise how to manage accounts."""
    from backend_services.platform.db import make_engine
    from backend_services.platform.schema_check import ensure_schema
    from backend_services.task_service.users.first_account import (
        FIRST_LOGIN_FILE,
        ensure_first_account,
    )

    from .access import stack_settings

    settings = stack_settings(root)
    url = settings.resolved_database_url()
    engine = make_engine(url)
    try:
        ensure_schema(url, engine)
        message = ensure_first_account(settings, engine, root)
    finally:
        engine.dispose()
    if message:
        return f"{message} Add users with `todo users add NAME` (the stack is found on its own)."
    kept = root / FIRST_LOGIN_FILE
    where = f" (first account: {kept})" if kept.exists() else ""
    return f"sign in with your account{where}; manage accounts with `todo users ...`"


def _cmd_up(stack: Stack, args: argparse.Namespace) -> int:
    try:
        replicas = parse_replicas(args.replicas) if args.replicas else None
    except ValueError as exc:
        stack.say(f"todo stack up: {exc}")
        return 2
    opts = UpOptions(
        apps=args.apps,
        build=not args.no_build,
        app_ids=tuple(args.only) if args.only else APP_IDS,
        replicas=replicas,
        tracing=args.tracing,
    )
    started = time.monotonic()
    stack.say(f"stack dir: {stack.layout.root}")
    try:
        stack.up(opts)
    except (StackError, RuntimeError) as exc:
        stack.say(f"todo stack up: FAILED\n{exc}")
        stack.say("see `todo stack status` and `todo stack logs NAME`")
        return 1
    rows, infra = stack.status()
    stack.say(format_table(rows))
    for key, value in sorted(infra.items()):
        stack.say(f"{key}: {value}")
    stack.say(_replica_line(stack.replicas()))
    # the chat UI's row, not the first with a URL: Jaeger's (the trace viewer) sorts before it
    ui = next((r.url for r in rows if r.url and r.kind == "app" and r.app_id == "chat-ui"), None)
    if ui:
        stack.say(f"chat UI: {ui}")
        stack.say(f"MCP server: {ui.rstrip('/')}/mcp (a token: `todo pat create NAME --user U`)")
        stack.say(_sign_in_line(stack.layout.root))
    if infra.get("trace_ui"):
        stack.say(f"traces (viewer and Jaeger query API): {infra['trace_ui']}")
    stack.say(f"up in {time.monotonic() - started:.0f}s")
    return 0 if all(r.healthy for r in rows) else 1


def _cmd_status(stack: Stack, args: argparse.Namespace) -> int:
    rows, infra = stack.status()
    healthy = bool(rows) and all(r.healthy for r in rows)
    if args.json:
        print(
            json.dumps(
                {
                    "stack_dir": str(stack.layout.root),
                    "healthy": healthy,
                    "processes": [r.as_json() for r in rows],
                    "infra": infra,
                    "replicas": stack.replicas(),
                },
                indent=2,
            )
        )
    else:
        if not rows:
            print(f"no stack running in {stack.layout.root}")
            return 1
        print(format_table(rows))
        for key, value in sorted(infra.items()):
            print(f"{key}: {value}")
        print(_replica_line(stack.replicas()))
        for r in rows:
            if not r.alive:
                print(f"\n--- {r.name} CRASHED, last lines of {r.log}:")
                print("\n".join(r.log_tail))
    return 0 if healthy else 1


def _cmd_logs(stack: Stack, args: argparse.Namespace) -> int:
    if args.trace:
        return _trace_logs(stack, args.trace.lower(), args.follow)
    if not args.name:
        print("todo stack logs: give a NAME or --trace TRACE_ID", file=sys.stderr)
        return 2
    path = stack.layout.log(args.name)
    if not path.exists():
        known = sorted(p.stem for p in stack.layout.logs.glob("*.log"))
        print(f"no log {path}; known: {', '.join(known) or '-'}", file=sys.stderr)
        return 1
    for line in tail(path, args.lines):
        print(line)
    if args.follow:
        with path.open("rb") as fh:
            fh.seek(0, 2)
            try:
                while True:
                    chunk = fh.read()
                    if chunk:
                        sys.stdout.write(chunk.decode("utf-8", errors="replace"))
                        sys.stdout.flush()
                    else:
                        time.sleep(0.5)
            except KeyboardInterrupt:
                return 0
    return 0


def _trace_logs(stack: Stack, trace_id: str, follow: bool) -> int:
    if len(trace_id) != 32 or any(c not in "0123456789abcdef" for c in trace_id):
        print("todo stack logs --trace: a trace id is 32 hex digits", file=sys.stderr)
        return 2
    lines = lines_of_trace(stack.layout.logs, trace_id)
    for line in lines:
        print(line)
    if not follow:
        return 0 if lines else 1
    try:
        for line in follow_trace(stack.layout.logs, trace_id):
            print(line, flush=True)
    except KeyboardInterrupt:
        pass
    return 0


def _cmd_trace(stack: Stack, args: argparse.Namespace) -> int:
    _, infra = stack.status()
    api = infra.get("trace_ui")
    if not api:
        print("no Jaeger in this stack: `todo stack up --tracing`", file=sys.stderr)
        return 1
    if args.trace_id:
        found = trace_view.fetch(api, args.trace_id.lower())
        if found is None:
            print(f"no trace {args.trace_id} in {api}", file=sys.stderr)
            return 1
        print("\n".join(trace_view.render_tree(found)))
        print(f"in the browser: {jaeger.trace_url(api, found['traceID'])}", file=sys.stderr)
        return 0
    tags = dict(t.split("=", 1) for t in args.tag if "=" in t)
    traces = trace_view.search(api, args.service, args.operation, tags)
    for found in traces:
        print(trace_view.summary(found))
    return 0 if traces else 1


def _cmd_down(stack: Stack, args: argparse.Namespace) -> int:
    stopped = stack.down(purge=args.purge)
    print(f"stopped: {', '.join(stopped) if stopped else 'nothing was running'}")
    if args.purge:
        print(f"removed {stack.layout.root}")
    return 0


def main(argv: list[str]) -> int:
    """``todo stack ...`` (argv without the leading ``stack``)."""
    args = _parser().parse_args(argv)
    stack = Stack(args.stack_dir.resolve() if args.stack_dir else default_stack_dir())
    handlers = {
        "up": _cmd_up,
        "status": _cmd_status,
        "logs": _cmd_logs,
        "trace": _cmd_trace,
        "down": _cmd_down,
    }
    return handlers[args.command](stack, args)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
