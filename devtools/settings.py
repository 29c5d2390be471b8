"""The environment the dev tools read (the local stack, the local cluster), by name, here only.

Read when used (``dev_settings()``), never at import: a test or a shell that sets a variable
after the import still gets its way. The product's own variables are in
backend_services/platform/settings.py; the two that appear here too (TODO_DATA_DIR,
DATABASE_URL) are only looked at to tell whether the product is pointed elsewhere.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PORT_PREFIX = "TODO_PORT_"


class DevToolsSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    cache_dir: Path | None = Field(
        default=None,
        validation_alias="TODO_CACHE_DIR",
        description="Built binaries and fetched jars (daprd, scheduler, Kafka, helm, k8s); "
        "default ~/.cache/todo-assistant",
    )
    stack_dir: Path | None = Field(
        default=None,
        validation_alias="TODO_STACK_DIR",
        description="The local stack's directory (state, logs, data, rendered components); "
        "default <repo>/var/stack",
    )
    k8s_dir: Path | None = Field(
        default=None,
        validation_alias="TODO_K8S_DIR",
        description="The local cluster's directory; default <repo>/var/k8s",
    )
    pg_bin: Path = Field(
        default=Path("/usr/lib/postgresql/15/bin"),
        validation_alias="TODO_PG_BIN",
        description="PostgreSQL's server binaries (initdb, pg_ctl, postgres) for the stack",
    )
    java_home: Path | None = Field(
        default=None,
        validation_alias="JAVA_HOME",
        description="The Java that runs the stack's Kafka (else `java` on PATH)",
    )
    stack_app_timeout: float = Field(
        default=120.0,
        gt=0,
        validation_alias="TODO_STACK_APP_TIMEOUT",
        description="Seconds `todo stack up` waits for an app to answer GET /healthz",
    )
    stack_daprd_timeout: float = Field(
        default=90.0,
        gt=0,
        validation_alias="TODO_STACK_DAPRD_TIMEOUT",
        description="Seconds `todo stack up` waits for a daprd to be healthy",
    )
    product_data_dir: str | None = Field(
        default=None,
        validation_alias="TODO_DATA_DIR",
        description="(the product's) set: `todo users/token/tasks` do not look for the stack",
    )
    product_database_url: str | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
        description="(the product's) set: `todo users/token/tasks` do not look for the stack",
    )

    def product_pointed_elsewhere(self) -> bool:
        return bool(self.product_data_dir or self.product_database_url)


def dev_settings() -> DevToolsSettings:
    """The dev tools' settings from the environment as it is now."""
    return DevToolsSettings()


def port_env_name(key: str) -> str:
    """``kafka`` -> ``TODO_PORT_KAFKA``, ``chat-ui.app`` -> ``TODO_PORT_CHAT_UI_APP``: fixes
    the stack's port of that key (one variable per port the stack hands out)."""
    return PORT_PREFIX + re.sub(r"[^A-Za-z0-9]+", "_", key).upper()


def port_overrides() -> dict[str, str]:
    """Every ``TODO_PORT_*`` variable set now (name -> value)."""
    return {name: value for name, value in os.environ.items() if name.startswith(PORT_PREFIX)}
