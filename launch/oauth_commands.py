"""`todo oauth list|revoke`: the apps a user connected to /mcp with OAuth (their grants),
through the same module as `GET/DELETE /me/oauth-grants` (task_service/users/oauth.py).
Revoking a grant ends its access and refresh tokens at once."""

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
    """`open_engine(args)`: the CLI's engine on the database the arguments choose, migrated
    (as for `todo pat`)."""
    grants = sub.add_parser("oauth", help="apps connected to MCP with OAuth: list|revoke")
    grants_sub = grants.add_subparsers(dest="oauth_cmd", required=True)
    grants_sub.add_parser("list", help="USER's connected apps (grants)")
    revoke = grants_sub.add_parser("revoke", help="disconnect one of USER's apps at once")
    revoke.add_argument("grant_id")
    for command in grants_sub.choices.values():
        command.add_argument("--user", required=True)
        command.add_argument("--stack", action="store_true", help="act on the local stack")
    grants.set_defaults(fn=lambda args: run(args, open_engine(args)))


def run(args: argparse.Namespace, engine: Engine) -> int:
    from backend_services.platform.db import session_scope
    from backend_services.platform.errors import AppError
    from backend_services.task_service.users import oauth
    from backend_services.task_service.users import service as users

    try:
        with session_scope(engine) as session:
            user = users.get_user(session, args.user)
            if args.oauth_cmd == "list":
                for g in oauth.list_grants(session, user.id):
                    state = "revoked" if g.revoked else "live"
                    used = f"{g.last_used_at:%Y-%m-%d %H:%M}" if g.last_used_at else "never used"
                    scopes = " ".join(g.scopes)
                    print(f"{g.id}\t{g.client_name}\t{g.client_id}\t{scopes}\t{state}\t{used}")
            else:
                oauth.revoke_grant(session, user.id, args.grant_id)
                print(f"revoked {args.grant_id}")
    except AppError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0
