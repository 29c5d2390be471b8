"""What a settings field is called in the environment, and whether it holds a secret: the
one place `todo config` and the README's tables learn it from."""

from __future__ import annotations

import re

from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

# a field whose name says this but is not marked secret fails tests/unit/test_settings_model.py
SECRET_WORDS = re.compile(r"password|api_key|token$|secret|signing_key|_key$")


def variable_names(cls: type[BaseSettings], name: str) -> list[str]:
    """The environment variables that set field `name` of `cls`, the documented one first."""
    field = cls.model_fields[name]
    alias = field.validation_alias
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasChoices):
        return [choice for choice in alias.choices if isinstance(choice, str)]
    prefix = str(cls.model_config.get("env_prefix") or "")
    return [f"{prefix}{name}".upper()]


def is_secret(field: FieldInfo) -> bool:
    extra = field.json_schema_extra
    return isinstance(extra, dict) and extra.get("secret") is True


def concern_title(cls: type[BaseSettings]) -> str:
    """A concern's heading: the first line of its class docstring."""
    doc = (cls.__doc__ or cls.__name__).strip()
    return doc.splitlines()[0].strip()
