"""`todo config`: the effective settings, grouped by concern, each with where it came from
(its default, or the environment variable that set it), secrets masked."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from backend_services.platform.config.fields import concern_title, is_secret, variable_names

MASK = "****"
UNSET = "(unset)"


@dataclass(frozen=True)
class EffectiveSetting:
    variable: str
    value: str  # as shown: masked when secret
    source: str  # "default", "env NAME" or "given" (by the command, e.g. the stack's)


@dataclass(frozen=True)
class Concern:
    title: str
    settings: list[EffectiveSetting]


def effective_settings(
    settings: BaseSettings,
    concerns: Sequence[type[BaseSettings]],
    environ: Mapping[str, str] | None = None,
) -> list[Concern]:
    """`settings` (an instance of every class in `concerns`, or of each) as `todo config`
    shows it."""
    env = {k.upper() for k in (os.environ if environ is None else environ)}
    out: list[Concern] = []
    for cls in concerns:
        rows: list[EffectiveSetting] = []
        for name, field in cls.model_fields.items():
            names = variable_names(cls, name)
            value = shown(getattr(settings, name), secret=is_secret(field))
            if name not in settings.model_fields_set:
                source = "default"
            else:
                from_env = [n for n in names if n.upper() in env]
                source = f"env {from_env[0]}" if from_env else "given"
            rows.append(EffectiveSetting(names[0], value, source))
        out.append(Concern(concern_title(cls), rows))
    return out


def shown(value: object, *, secret: bool) -> str:
    """A value for the terminal: a secret is `****` once set, any URL's password is masked."""
    if value is None or (secret and value == ""):
        return UNSET
    if secret:
        return MASK
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | dict):
        return mask_passwords(json.dumps(value))
    return mask_passwords(str(value))


_KEYWORD_PASSWORD = re.compile(r"(?i)\b((?:ssl)?password\s*=\s*)('[^']*'|[^\s&;]+)")
_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<rest>[^\s'\"]*)")


def mask_passwords(text: str) -> str:
    """`scheme://user:pw@host/...` → `scheme://user:****@host/...`, and `password=...` in a
    query string or a libpq keyword DSN → `password=****`. The password runs to the last `@`
    before any `?` or `#`: a stray `@` or `/` in it is masked too, never shown."""

    def url(match: re.Match[str]) -> str:
        rest = match["rest"]
        query = min([i for i in (rest.find("?"), rest.find("#")) if i != -1] or [len(rest)])
        at = rest.rfind("@", 0, query)
        user, colon, _password = rest[: max(at, 0)].partition(":")
        if at == -1 or not colon or "/" in user:
            return match[0]
        return f"{match['scheme']}{user}:{MASK}@{rest[at + 1 :]}"

    return _KEYWORD_PASSWORD.sub(lambda m: m.group(1) + MASK, _URL.sub(url, text))


def render_text(concerns: Sequence[Concern]) -> str:
    width_name = max((len(s.variable) for c in concerns for s in c.settings), default=0)
    width_value = min(48, max((len(s.value) for c in concerns for s in c.settings), default=0))
    lines: list[str] = []
    for concern in concerns:
        if lines:
            lines.append("")
        lines.append(concern.title)
        for s in concern.settings:
            value = s.value.ljust(width_value)
            lines.append(f"  {s.variable.ljust(width_name)}  {value}  {s.source}".rstrip())
    return "\n".join(lines) + "\n"


def invalid_settings(error: ValidationError, cls: type[BaseSettings]) -> str:
    """`error` from building `cls` as lines naming the variables (never their values: one
    may be a secret)."""
    lines = ["invalid settings in the environment:"]
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else ""
        variable = variable_names(cls, name)[0] if name in cls.model_fields else name
        lines.append(f"  {variable}: {problem['msg']}")
    return "\n".join(lines)
