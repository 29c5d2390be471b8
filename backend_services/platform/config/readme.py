"""Keep the README's settings tables generated: `make settings-doc` rewrites them,
tests/unit/test_settings_readme.py fails when they drift.

`python -m backend_services.platform.config.readme [--check] [README.md]`"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic_settings import BaseSettings

from backend_services.platform.config.tables import settings_tables

# "module:attribute", a settings class or a tuple of them, in the README's order. Named, not
# imported: a settings class of the dev tools joins this list without the product importing it.
DOCUMENTED_SETTINGS: tuple[str, ...] = (
    "backend_services.platform.config.concerns:CONCERNS",
    "devtools.settings:DevToolsSettings",
)

BEGIN = "<!-- settings-tables:begin (generated from the field descriptions: make settings-doc) -->"
END = "<!-- settings-tables:end -->"


def documented_classes(specs: Sequence[str] = DOCUMENTED_SETTINGS) -> list[type[BaseSettings]]:
    classes: list[type[BaseSettings]] = []
    for spec in specs:
        module, _, attribute = spec.partition(":")
        found = getattr(importlib.import_module(module), attribute)
        classes.extend(found if isinstance(found, tuple | list) else [found])
    return classes


def with_tables(readme: str, tables: str) -> str:
    """`readme` with the text between the markers replaced by `tables`."""
    head, begin, rest = readme.partition(BEGIN)
    _old, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"the README lacks the markers {BEGIN!r} ... {END!r}")
    return f"{head}{BEGIN}\n\n{tables}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("readme", nargs="?", default="README.md", type=Path)
    parser.add_argument("--check", action="store_true", help="exit 1 if the tables drifted")
    args = parser.parse_args(argv)
    current = args.readme.read_text(encoding="utf-8")
    wanted = with_tables(current, settings_tables(documented_classes()))
    if args.check:
        if wanted != current:
            print(f"{args.readme}: the settings tables drifted (make settings-doc)")
            return 1
        return 0
    if wanted != current:
        args.readme.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
