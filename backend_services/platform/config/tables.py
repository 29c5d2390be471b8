"""The README's settings tables, from the settings classes' field descriptions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import Enum
from pathlib import Path

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from backend_services.platform.config.fields import concern_title, variable_names

HEADER = ("| variable | meaning | default |", "|---|---|---|")


def settings_tables(classes: Sequence[type[BaseSettings]]) -> str:
    """One markdown table per class (its docstring's first line as the heading): variable,
    meaning (the field's description), default. Any settings class fits, whatever its
    prefix (the dev tools' own, for one)."""
    blocks: list[str] = []
    for cls in classes:
        rows = [
            f"**{concern_title(cls)}**",
            "",
            "| variable | meaning | default |",
            "|---|---|---|",
        ]
        for name, field in cls.model_fields.items():
            if not field.description:
                raise ValueError(f"{cls.__name__}.{name} has no description")
            names = [f"`{n}`" for n in variable_names(cls, name)]
            variable = names[0] + (f" (or {', '.join(names[1:])})" if names[1:] else "")
            rows.append(f"| {variable} | {_cell(field.description)} | {default_text(field)} |")
        blocks.append("\n".join(rows))
    return "\n\n".join(blocks) + "\n"


def default_text(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value: object = field.default_factory()  # type: ignore[call-arg]
    else:
        value = field.default
    if value is None:
        return "unset"
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, Enum):
        value = value.value
    elif isinstance(value, list | dict):
        value = json.dumps(value)
    elif isinstance(value, Path):
        value = str(value)
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
