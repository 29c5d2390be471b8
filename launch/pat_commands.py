"""`todo pat create|list|revoke`: personal access tokens from the command line, through the
same module as `POST/GET/DELETE /tokens` (backend_services/kernel/tokens.py). The secret is
printed once, by `create`, on stdout alone (`TOKEN=$(todo pat create mcp --user alice)`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    open_engine: Callable[[argparse.Namespace], Engine],
) -> None:
    """`open_engine(args)`: the CLI's engine on the database the arguments choose, migrated."""
    pat = sub.add_parser(
        "pat", help="personal access tokens (MCP clients, scripts): create|list|revoke"
    )
    pat_sub = pat.add_subparsers(dest="pat_cmd", required=True)
    create = pat_sub.add_parser("create", help="a new token for USER; the secret is shown once")
    create.add_argument("name", help="what the token is for, e.g. 'laptop IDE'")
    create.add_argument("--expires-in-days", type=int, default=None)
    create.add_argument(
        "--admin",
        action="store_true",
        help="also the admin scope (admin API; USER must be an admin). Without it the token "
        "reaches USER's own data only, even for an admin",
    )
    pat_sub.add_parser("list", help="USER's tokens (never the secrets)")
    revoke = pat_sub.add_parser("revoke", help="revoke one of USER's tokens at once")
    revoke.add_argument("token_id")
    for command in pat_sub.choices.values():
        command.add_argument("--user", required=True)
        command.add_argument("--stack", action="store_true", help="act on the local stack")
    pat.set_defaults(fn=lambda args: run(args, open_engine(args)))


def run(args: argparse.Namespace, engine: Engine) -> int:
    from pydantic import ValidationError

    from backend_services.kernel import accounts, tokens
    from backend_services.platform.db import session_scope
    from backend_services.platform.errors import AppError
    from backend_services.task_service.users import service as users

    try:
        with session_scope(engine) as session:
            user = accounts.get_active_user(session, users.get_user(session, args.user).id)
            if args.pat_cmd == "create":
                body = tokens.TokenCreate(
                    name=args.name,
                    expires_in_days=args.expires_in_days,
                    scopes=["tasks", "admin"] if args.admin else ["tasks"],
                )
                made = tokens.create(session, user.id, body, is_admin=user.role == "admin")
                print(made.token)
                until = f", expires {made.expires_at:%Y-%m-%d}" if made.expires_at else ""
                scopes = " ".join(made.scopes)
                print(
                    f"created {made.id} '{made.name}' for {user.id} (scopes: {scopes}){until}",
                    file=sys.stderr,
                )
            elif args.pat_cmd == "list":
                for t in tokens.list_for(session, user.id):
                    state = "revoked" if t.revoked else "live"
                    used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never used"
                    expires = f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "no expiry"
                    scopes = ",".join(t.scopes)
                    print(f"{t.id}\t{t.name}\t{t.hint}\t{scopes}\t{state}\t{used}\t{expires}")
            else:
                tokens.revoke(session, user.id, args.token_id)
                print(f"revoked {args.token_id}")
    except AppError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        first = exc.errors()[0]
        print(f"error: {first['loc'][0]}: {first['msg']}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0
