"""`todo`: run the product, talk to it, inspect tasks, manage users, drive the local stack."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from backend_services.platform.embedded_runtime import EmbeddedRuntime
    from backend_services.platform.settings import Settings

# Each command imports what it uses, inside the command: `todo tasks` must not pay for six
# FastAPI apps, Chainlit and the agent (tests/unit/test_cli_imports.py keeps it that way).


def _settings(args: argparse.Namespace | None = None) -> Settings:
    """The embedded data dir's settings, or the local stack's: with `--stack`, or on their own
    when the default stack runs and no TODO_DATA_DIR / DATABASE_URL is set."""
    from backend_services.platform.settings import Settings

    if args is not None and hasattr(args, "stack"):
        from launch.dev_tools import DevToolsMissing, dev_module

        try:
            access = dev_module("stack.access")
        except DevToolsMissing as exc:  # an installed wheel: no local stack to look for
            if args.stack:
                print(f"error: {exc}", file=sys.stderr)
                raise SystemExit(2) from exc
            return Settings()
        try:
            stack = access.stack_settings() if args.stack else access.running_stack()
        except access.NoStack as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise SystemExit(2) from exc
        if stack is not None:
            print(f"(using the local stack's database: {stack.data_dir.parent})", file=sys.stderr)
            return stack
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:  # a word for a number: which variable, not a traceback
        from backend_services.platform.config.report import invalid_settings

        print(f"error: {invalid_settings(exc, Settings)}", file=sys.stderr)
        raise SystemExit(2) from exc


def _secrets_file(settings: Settings) -> Path:
    from backend_services.platform.secrets_file import ensure_local_secrets

    secrets_file = settings.resolved_secrets_file()
    ensure_local_secrets(secrets_file)  # `todo token` may be the first command on a data dir
    return secrets_file


def _migrated_engine(settings: Settings) -> Engine:
    """An engine of its own (dispose it) on a database migrated to head."""
    from backend_services.platform.db import make_engine
    from backend_services.platform.schema_check import ensure_schema

    url = settings.resolved_database_url()
    engine = make_engine(url)
    ensure_schema(url, engine)
    return engine


@asynccontextmanager
async def _task_service(settings: Settings) -> AsyncIterator[EmbeddedRuntime]:
    """Only task-service, on the embedded runtime: what a chat turn invokes. The runtime's
    delivery, job and cron loops are not started: events stay in the database (outbox and
    embedded log) for the other services of `todo up`, and no job fires into a missing app."""
    from backend_services.contracts import AppId
    from backend_services.platform.app_support import shared_engine
    from backend_services.platform.embedded_runtime import EmbeddedRuntime
    from backend_services.platform.schema_check import ensure_schema
    from backend_services.task_service.app import create_app as task_app

    url = settings.resolved_database_url()
    engine = shared_engine(url)
    ensure_schema(url, engine)
    runtime = EmbeddedRuntime(engine, _secrets_file(settings))
    app = task_app(settings, runtime.for_app(AppId.TASKS.value))
    runtime.register(AppId.TASKS.value, app)
    async with app.router.lifespan_context(app):
        try:
            yield runtime
        finally:
            await runtime.aclose()


def _user_token(settings: Settings, engine: Engine, username: str, tz: str | None, ttl: int) -> str:
    """Callers make sure the schema is migrated."""
    from backend_services.kernel import accounts
    from backend_services.platform.auth import Role, TokenSigner
    from backend_services.platform.db import new_session
    from backend_services.platform.secrets_file import AUTH_SIGNING_KEY, read_local_secret
    from backend_services.task_service.users import service as users

    with new_session(engine) as session:
        user = users.ensure_user(session, username, tz)
        role: Role = "admin" if user.role == "admin" else "user"
        user_id, account = user.id, accounts.account_stamp(user)
    signer = TokenSigner(read_local_secret(_secrets_file(settings), AUTH_SIGNING_KEY))
    return signer.issue(user_id, role, ttl, account=account)


# ---------------------------------------------------------------------------------------
def cmd_up(args: argparse.Namespace) -> int:
    import uvicorn

    from launch.console_log import setup_up_logging
    from launch.embedded import create_embedded_app

    settings = _settings()
    # a few plain lines for a person; the logs in a file under the data dir, or JSON on stdout
    # with `--log-format json` (launch/console_log.py); tracing only with an OTLP endpoint
    out = setup_up_logging(settings, "todo-embedded", args.log_format)
    gateway = create_embedded_app(settings)
    url = f"http://{args.host}:{args.port}"
    print(f"To-do assistant (embedded mode) at {url}  — REST docs at {url}/docs", file=out)
    _first_user(settings, out)
    print(f"MCP server (streamable HTTP) at {url}/mcp  — `todo pat create` for a token", file=out)
    if args.log_format == "plain":
        from launch.console_log import log_file

        print(f"Logs in {log_file(settings)} (`--log-format json` for JSON on stdout)", file=out)
    out.flush()
    uvicorn.run(
        gateway,
        host=args.host,
        port=args.port,
        log_level="warning",
        log_config=None,
        ws_max_size=settings.max_chat_frame_bytes,  # a larger frame is never read whole
    )
    return 0


def _first_user(settings: Settings, out: TextIO | None = None) -> None:
    """Make sure someone can sign in (see backend_services/task_service/users/first_account.py)."""
    from backend_services.platform.app_support import shared_engine
    from backend_services.task_service.users.first_account import ensure_first_account

    engine = shared_engine(settings.resolved_database_url())
    message = ensure_first_account(settings, engine, settings.data_dir)
    if message:
        print(f"{message} Add users with `todo users add`.", file=out or sys.stdout)


def cmd_chat(args: argparse.Namespace) -> int:
    import asyncio

    from agent.events import ToolFinished, TurnDone
    from agent.service import Agent, LLMConfig
    from backend_services.contracts import AppId

    settings = _settings()
    text = " ".join(args.message)

    async def run() -> str:
        reply = ""
        async with _task_service(settings) as runtime:
            token = _user_token(settings, runtime.engine, args.user, args.tz, 600)
            agent = Agent(
                runtime.for_app(AppId.CHAT_UI.value),
                LLMConfig.from_settings(settings),
                settings.max_chat_chars,
            )
            async for event in agent.turn(token, args.user.lower(), args.conversation, text):
                if isinstance(event, ToolFinished) and args.verbose:
                    print(f"[{event.name}] {event.output}", file=sys.stderr)
                if isinstance(event, TurnDone):
                    reply = event.reply
        return reply

    print(asyncio.run(run()))
    return 0


def cmd_tasks(args: argparse.Namespace) -> int:
    """Straight from the task service module: no app, no runtime, no token."""
    import json

    from backend_services.kernel import accounts
    from backend_services.kernel.task_schemas import TaskQuery
    from backend_services.platform.db import new_session
    from backend_services.task_service.tasks import service as task_service
    from backend_services.task_service.users import service as users

    settings = _settings(args)
    engine = _migrated_engine(settings)
    tasks: list[dict[str, Any]] = []
    try:
        with new_session(engine) as session:
            user = users.ensure_user(session, args.user)  # as `todo token` does
            accounts.get_active_user(session, user.id)  # a disabled user is refused, as by the API
            timezone = user.timezone
            while True:
                page = task_service.list_tasks(
                    session, user.id, TaskQuery(limit=200, offset=len(tasks))
                )
                tasks += [t.model_dump(mode="json", by_alias=True) for t in page.items]
                if len(tasks) >= page.total or not page.items:
                    break
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(tasks, indent=2))
    elif tasks:
        from datetime import datetime

        from backend_services.kernel import wording

        zone = wording.zone_of(timezone)
        print(f"{args.user.lower()}'s tasks (times in {timezone}):")
        print(wording.plain_table(tasks, zone, datetime.now(zone)))
    else:
        print(f"{args.user.lower()} has no tasks.")
    return 0


MAX_CLI_TOKEN_TTL = 7 * 24 * 3600


def cmd_token(args: argparse.Namespace) -> int:
    settings = _settings(args)
    ttl = settings.user_token_ttl_seconds if args.ttl is None else args.ttl
    if not 0 < ttl <= MAX_CLI_TOKEN_TTL:
        print(f"--ttl must be between 1 and {MAX_CLI_TOKEN_TTL} seconds", file=sys.stderr)
        return 2
    engine = _migrated_engine(settings)
    try:
        print(_user_token(settings, engine, args.user, None, ttl))
    finally:
        engine.dispose()
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    from backend_services.platform.migrate import upgrade

    upgrade(_settings().resolved_database_url())
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    """The settings this environment gives a process, by concern (secrets masked), or the
    README's tables of them."""
    from backend_services.platform.config.concerns import CONCERNS

    if args.markdown:
        from backend_services.platform.config.tables import settings_tables

        print(settings_tables(CONCERNS), end="")
        return 0
    from backend_services.platform.config.report import effective_settings, render_text

    print(render_text(effective_settings(_settings(), CONCERNS)), end="")
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    from backend_services.platform.db import new_session
    from backend_services.platform.errors import AppError
    from backend_services.task_service.users import service as users

    settings = _settings(args)
    engine = _migrated_engine(settings)
    try:
        with new_session(engine) as session:
            if args.users_cmd == "list":
                for u in users.list_users(session):
                    flags = " (disabled)" if u.disabled else ""
                    print(f"{u.id}\t{u.role}\t{u.timezone}{flags}")
            elif args.users_cmd == "add":
                users.create_user(
                    session,
                    args.name,
                    password=_password(args),
                    timezone=args.tz,
                    role="admin" if args.admin else "user",
                )
                print(f"added {args.name.lower()}")
            elif args.users_cmd == "disable":
                users.set_disabled(session, args.name, True)
                print(f"disabled {args.name.lower()}")
            elif args.users_cmd == "delete":
                from backend_services.task_service.users.deletion import delete_account

                purged = delete_account(session, args.name)
                counts = ", ".join(f"{n} {what}" for what, n in purged.items())
                print(f"deleted {args.name.lower()} ({counts})")
            elif args.users_cmd == "set-password":
                users.set_password(session, args.name, _password(args))
                print(f"password changed for {args.name.lower()}")
    except AppError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    return getpass.getpass("password: ")


def _stack_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stack",
        action="store_true",
        help="act on the local stack ($TODO_STACK_DIR or var/stack; automatic when it runs"
        " and TODO_DATA_DIR / DATABASE_URL are unset)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="todo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="serve the chat UI and APIs in one process (embedded)")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=int, default=8000)
    up.add_argument(
        "--log-format",
        choices=["plain", "json"],
        default="plain",
        help="plain: a few lines here, the logs in <data dir>/logs/todo.log;"
        " json: the log lines (JSON) on stdout",
    )
    up.set_defaults(fn=cmd_up)

    chat = sub.add_parser("chat", help="one chat turn as USER")
    chat.add_argument("--user", required=True)
    chat.add_argument("--tz", default=None, help="IANA time zone for this user")
    chat.add_argument("--conversation", default="cli")
    chat.add_argument("--verbose", "-v", action="store_true", help="show tool calls on stderr")
    chat.add_argument("message", nargs="+")
    chat.set_defaults(fn=cmd_chat)

    tasks = sub.add_parser("tasks", help="USER's tasks")
    tasks.add_argument("--user", required=True)
    tasks.add_argument("--json", action="store_true")
    _stack_flag(tasks)
    tasks.set_defaults(fn=cmd_tasks)

    token = sub.add_parser("token", help="a bearer token for USER (REST API, scripts)")
    token.add_argument("--user", required=True)
    token.add_argument(
        "--ttl",
        type=int,
        default=None,
        help="seconds (default: TODO_USER_TOKEN_TTL_SECONDS, 15 min; use a personal access"
        " token, POST /tokens, for long-lived scripts)",
    )
    _stack_flag(token)
    token.set_defaults(fn=cmd_token)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(fn=cmd_migrate)

    config = sub.add_parser(
        "config", help="the effective settings, by concern, with their source (secrets masked)"
    )
    config.add_argument(
        "--markdown", action="store_true", help="the README's settings tables instead"
    )
    config.set_defaults(fn=cmd_config)

    usr = sub.add_parser("users", help="manage user accounts")
    usr_sub = usr.add_subparsers(dest="users_cmd", required=True)
    usr_sub.add_parser("list")
    add = usr_sub.add_parser("add")
    add.add_argument("name")
    add.add_argument("--admin", action="store_true")
    add.add_argument("--tz", default="UTC")
    add.add_argument("--password-stdin", action="store_true")
    dis = usr_sub.add_parser("disable")
    dis.add_argument("name")
    gone = usr_sub.add_parser(
        "delete", help="delete NAME and purge their tasks, tokens, notifications, chat history"
    )
    gone.add_argument("name")
    pw = usr_sub.add_parser("set-password")
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true")
    for command in usr_sub.choices.values():
        _stack_flag(command)
    usr.set_defaults(fn=cmd_users)

    from launch.pat_commands import add_parser as add_pat_parser

    def open_engine(args: argparse.Namespace) -> Engine:
        return _migrated_engine(_settings(args))

    add_pat_parser(sub, open_engine)

    from launch.oauth_commands import add_parser as add_oauth_parser

    add_oauth_parser(sub, open_engine)

    sub.add_parser("stack", help="the real local stack: up|status|logs|down (see `todo stack -h`)")
    sub.add_parser("k8s", help="the local Kubernetes cluster: up|status|down (see `todo k8s -h`)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["stack"], ["k8s"]):  # the rest belongs to devtools/stack or devtools/k8s
        from launch.dev_tools import DevToolsMissing, dev_module

        try:
            commands = dev_module(f"{argv[0]}.commands")
        except DevToolsMissing as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return int(commands.main(argv[1:]))
    args = build_parser().parse_args(argv)
    from backend_services.platform.errors import AppError

    try:
        return int(args.fn(args))
    except AppError as exc:  # e.g. `todo chat --tz Not/AZone`: a message, not a traceback
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
