"""The shapes of every id that enters from outside: REST path parameters, tool arguments (the
chat's model and MCP), chat action payloads. An id is never a path: each one is checked as what
it is where it enters, so `../../admin/users/x`, `%2e%2e`, `?`, `#` or `/` are refused there
(a 422 over REST, a tool error for the model, "Sorry" in the chat) and never reach a URL.

- task, reminder, notification and access-token ids: UUIDs (`uuid.uuid4()` in the models),
  accepted in any letter case, passed on in the canonical lower-case form;
- user names: `USERNAME_PATTERN` after trimming and lower-casing (what sign-in does);
- reminder job names (`reminder-<reminder id>`) are built by reminder-service from the ids
  it stored, never taken from a caller; like every segment they are encoded where a URL is
  built (service_paths.py).

Lists are addressed by name in query strings and bodies (never in a path): `SafeText`.

Each type is a pydantic `Annotated` string: usable as a model field and as a FastAPI path
parameter alike; its JSON schema carries the pattern, so tool schemas say the shape too.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,62}$"

_UUID = re.compile(UUID_PATTERN)
_USERNAME = re.compile(USERNAME_PATTERN)
_SHOWN = 40  # characters of a refused value quoted back in the error


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")


def check_uuid(value: str, what: str = "id") -> str:
    """The canonical (lower-case) form of a UUID, or ValueError naming `what`."""
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise ValueError(f"{_shown(str(value))} is not a {what} (a UUID is expected)")
    return value.lower()


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def check_username(value: str) -> str:
    """A user name as sign-in normalises it (trimmed, lower case), or ValueError."""
    name = value.strip().lower() if isinstance(value, str) else ""
    if not _USERNAME.fullmatch(name):
        raise ValueError(
            f"{_shown(str(value))} is not a user name "
            "(1-63 letters, digits, '.', '_' or '-', starting with a letter or digit)"
        )
    return name


def _strict_str(value: Any) -> Any:
    if not isinstance(value, str):  # no coercion of numbers or lists into ids
        raise ValueError("an id must be a string")
    return value


def _uuid_schema(what: str) -> WithJsonSchema:
    return WithJsonSchema(
        {"type": "string", "pattern": UUID_PATTERN, "description": f"the {what} (a UUID)"}
    )


def _task_id(value: str) -> str:
    return check_uuid(value, "task id")


def _reminder_id(value: str) -> str:
    return check_uuid(value, "reminder id")


def _notification_id(value: str) -> str:
    return check_uuid(value, "notification id")


def _token_id(value: str) -> str:
    return check_uuid(value, "token id")


_STR = BeforeValidator(_strict_str)

TaskId = Annotated[str, _STR, AfterValidator(_task_id), _uuid_schema("task id")]
ReminderId = Annotated[str, _STR, AfterValidator(_reminder_id), _uuid_schema("reminder id")]
NotificationId = Annotated[
    str, _STR, AfterValidator(_notification_id), _uuid_schema("notification id")
]
TokenId = Annotated[str, _STR, AfterValidator(_token_id), _uuid_schema("token id")]
UserName = Annotated[
    str,
    _STR,
    AfterValidator(check_username),
    WithJsonSchema({"type": "string", "pattern": USERNAME_PATTERN, "description": "a user name"}),
]
