"""Users: identity, time zone, role. Passwords are stored as argon2 hashes only."""

from __future__ import annotations

import functools
import zoneinfo
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, field_validator
from sqlalchemy import Column
from sqlmodel import Field, Session, SQLModel

from backend_services.platform.auth import AccountStamp
from backend_services.platform.errors import Unauthorized
from backend_services.platform.inputs import SafeText, SecretText, check_text
from backend_services.platform.timeutil import UTCDateTime, utcnow

MAX_TIMEZONE_LENGTH = 64  # the column; the longest IANA name has 32 characters


# names zoneinfo resolves that are no place: the host's own zone (what it is depends on the
# machine), tzdata's "Factory" (abbreviation "-00"), and the posix/ and right/ copies (right/
# counts leap seconds, so its clocks are off by 27 s)
_NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})
_NOT_PLACE_PREFIXES = ("posix/", "right/")


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> str:
    """An IANA time zone name, or ValueError (never OSError: a name is a file path to
    zoneinfo, and a 1,000-character one or a directory such as 'America' is no zone)."""
    if len(value) > MAX_TIMEZONE_LENGTH:
        raise ValueError(f"unknown time zone (at most {MAX_TIMEZONE_LENGTH} characters)")
    check_text(value)
    unknown = ValueError(f"unknown time zone {value!r} (use an IANA name like Europe/Berlin)")
    if value in _NOT_PLACES or value.startswith(_NOT_PLACE_PREFIXES):
        raise unknown
    if value not in _known_zones():  # never a path handed to zoneinfo: only names it lists
        raise unknown
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise unknown from exc
    return value


class User(SQLModel, table=True):
    __tablename__ = "accounts"
    id: str = Field(primary_key=True, max_length=64)
    display_name: str = Field(max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    role: str = Field(default="user", max_length=16)
    disabled: bool = False
    password_hash: str | None = Field(default=None, max_length=300)
    # raised by a password reset, disabling and enabling: every token and chat session
    # issued for an older version is refused (`kernel/principals.py`)
    auth_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class UserPublic(BaseModel):
    id: str
    display_name: str
    timezone: str
    role: Literal["user", "admin"]
    disabled: bool


class UserPatch(BaseModel):
    timezone: SafeText | None = Field(default=None, max_length=MAX_TIMEZONE_LENGTH)
    display_name: SafeText | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else validate_timezone(value)


class LoginRequest(BaseModel):
    username: SafeText = Field(min_length=1, max_length=64)
    password: SecretText = Field(min_length=1, max_length=500)


class LoginResponse(BaseModel):
    token: str
    user: UserPublic


class AccountQuery(BaseModel):
    username: SafeText = Field(min_length=1, max_length=64)


class AccountSession(BaseModel):
    """What a chat session signed in by a trusted proxy's header is bound to."""

    user: UserPublic
    acct: int = Field(description="the account's creation time, microseconds since the epoch")
    ver: int = Field(description="the account's revocation version")


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def get_active_user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None or user.disabled:
        raise Unauthorized("unknown or disabled user")
    return user


def account_stamp(user: User) -> AccountStamp:
    """What a token or chat session issued for `user` now is bound to."""
    created_us = (user.created_at - EPOCH) // timedelta(microseconds=1)  # exact integers
    return AccountStamp(created_us, user.auth_version)
