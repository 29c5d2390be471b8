"""The README's settings tables are the settings models' field descriptions: regenerate
them with `make settings-doc` when a field changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from backend_services.platform.config.concerns import CONCERNS
from backend_services.platform.config.readme import (
    BEGIN,
    END,
    documented_classes,
    main,
    with_tables,
)
from backend_services.platform.config.tables import settings_tables

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_tables_match_the_field_descriptions() -> None:
    readme = README.read_text(encoding="utf-8")
    assert with_tables(readme, settings_tables(documented_classes())) == readme, (
        "README.md's settings tables drifted from the settings models: run `make settings-doc`"
    )


def test_every_variable_is_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    tables = readme[readme.index(BEGIN) : readme.index(END)]
    for cls in CONCERNS:
        for name, field in cls.model_fields.items():
            assert field.description is not None
            assert field.description.replace("|", "\\|") in tables, f"{cls.__name__}.{name}"


def test_the_product_concerns_are_documented() -> None:
    assert set(CONCERNS) <= set(documented_classes())


def test_a_drifted_table_is_found_and_rewritten(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    drifted = README.read_text(encoding="utf-8").replace("| `TODO_DATA_DIR` |", "| `TODO_DIR` |")
    readme.write_text(drifted, encoding="utf-8")
    assert main(["--check", str(readme)]) == 1
    assert main([str(readme)]) == 0
    assert readme.read_text(encoding="utf-8") == README.read_text(encoding="utf-8")
    assert main(["--check", str(readme)]) == 0


def test_a_readme_without_the_markers_is_an_error() -> None:
    with pytest.raises(ValueError, match="markers"):
        with_tables("# no tables here\n", "x")


def test_the_generator_takes_any_settings_classes() -> None:
    """The dev tools' own class (another prefix) joins the README the same way."""

    class DevToolSettings(BaseSettings):
        """Dev tools"""

        model_config = SettingsConfigDict(env_prefix="TODO_")
        stack_dir: Path = Field(default=Path("var/stack"), description="the stack's data | logs")

    table = settings_tables([*CONCERNS[:1], DevToolSettings])
    assert "**Dev tools**" in table
    assert "| `TODO_STACK_DIR` | the stack's data \\| logs | `var/stack` |" in table
    assert table.index("**Runtime and database**") < table.index("**Dev tools**")


def test_a_field_without_a_description_is_refused() -> None:
    class Undocumented(BaseSettings):
        """Nothing said"""

        level: int = 1

    with pytest.raises(ValueError, match="no description"):
        settings_tables([Undocumented])
