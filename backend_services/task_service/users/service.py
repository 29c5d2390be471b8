"""User accounts: the one place CLI, chat login and admin API go through.

Each function that writes commits its own unit of work (callers never commit)."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from backend_services.kernel.accounts import User, UserPublic, get_active_user, validate_timezone
from backend_services.platform.errors import BadRequest, Conflict, NotFound
from backend_services.platform.ids import USERNAME_PATTERN
from backend_services.task_service.tasks.service import keep_wall_times
from backend_services.task_service.users.sign_in import hash_password

MIN_PASSWORD_LENGTH = 8


def to_public(user: User) -> UserPublic:
    return UserPublic(
        id=user.id,
        display_name=user.display_name,
        timezone=user.timezone,
        role="admin" if user.role == "admin" else "user",
        disabled=user.disabled,
    )


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not re.match(USERNAME_PATTERN, name):
        raise BadRequest("username: use 1-63 letters, digits, '.', '_' or '-'", field="username")
    return name


def create_user(
    session: Session,
    username: str,
    *,
    password: str | None = None,
    timezone: str = "UTC",
    role: str = "user",
    display_name: str | None = None,
) -> User:
    name = normalise_username(username)
    if session.get(User, name) is not None:
        raise Conflict(f"user {name!r} already exists")
    user = User(
        id=name,
        display_name=display_name or name,
        timezone=_tz(timezone),
        role=role,
        password_hash=_hash(password) if password is not None else None,
    )
    session.add(user)
    session.commit()
    return user


def ensure_user(session: Session, username: str, timezone: str | None = None) -> User:
    """The user, created without a password when missing (operator tooling only)."""
    user = session.get(User, normalise_username(username))
    if user is None:
        return create_user(session, username, timezone=timezone or "UTC")
    if timezone and user.timezone != timezone:
        _move_to_zone(session, user, _tz(timezone))
        session.add(user)
        session.commit()
    return user


def time_zones(session: Session, user_ids: list[str]) -> dict[str, str]:
    """Each existing user's time zone (for notification-service's wording)."""
    rows = session.exec(select(User.id, User.timezone).where(col(User.id).in_(user_ids)))
    return dict(rows.all())


def revoke_sessions(user: User) -> None:
    """Every signed token and chat session issued for `user` so far stops working (the
    caller commits)."""
    user.auth_version += 1


def set_password(session: Session, username: str, password: str) -> User:
    user = _get(session, username)
    user.password_hash = _hash(password)
    revoke_sessions(user)
    session.add(user)
    session.commit()
    return user


def set_disabled(session: Session, username: str, disabled: bool = True) -> User:
    user = _get(session, username)
    if user.disabled != disabled:
        user.disabled = disabled
        revoke_sessions(user)
    session.add(user)
    session.commit()
    return user


def update_profile(
    session: Session, user_id: str, *, timezone: str | None = None, display_name: str | None = None
) -> User:
    """The caller's own time zone and display name (each when given), in one transaction."""
    user = get_active_user(session, user_id)
    if timezone:
        _move_to_zone(session, user, _tz(timezone))
    if display_name:
        user.display_name = display_name
    session.add(user)
    session.commit()
    return user


def _move_to_zone(session: Session, user: User, zone: str) -> None:
    """A new zone for the account; the tasks stated in the old one keep their wall-clock
    times (tasks.service.keep_wall_times), in the same transaction."""
    if zone != user.timezone:
        keep_wall_times(session, user.id, user.timezone, zone)
        user.timezone = zone


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.id)))  # type: ignore[arg-type]


def get_user(session: Session, username: str) -> User:
    user = session.get(User, username.strip().lower())
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


_get = get_user


def _tz(value: str) -> str:
    try:
        return validate_timezone(value)
    except ValueError as exc:
        raise BadRequest(str(exc), field="timezone") from exc


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequest(f"password: at least {MIN_PASSWORD_LENGTH} characters", field="password")
    return hash_password(password)
