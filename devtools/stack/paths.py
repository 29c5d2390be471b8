"""Where things live: the repository, the caches and the stack directory."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from devtools.settings import dev_settings
from launch.topology import APP_IDS

REPO_ROOT = Path(__file__).resolve().parents[2]

DAPR_VERSION = "1.18.3"

__all__ = ["APP_IDS"]  # in start order: launch/topology.py (the one list of app ids)


REPLICA_MARK = "#"


def instance_name(app_id: str, index: int) -> str:
    """The process name of replica ``index`` (1-based) of an app: ``task-service`` for the
    first (the name a one-replica stack always had), ``task-service#2`` for the second. Its
    sidecar is ``daprd-`` + that name; both share the Dapr app-id ``app_id``."""
    return app_id if index == 1 else f"{app_id}{REPLICA_MARK}{index}"


def split_instance(name: str) -> tuple[str, int]:
    """``daprd-task-service#2`` or ``task-service#2`` -> ``("task-service", 2)``."""
    base = name.removeprefix("daprd-")
    app_id, mark, index = base.partition(REPLICA_MARK)
    return app_id, int(index) if mark and index.isdigit() else 1


def cache_dir() -> Path:
    """``$TODO_CACHE_DIR`` or ``~/.cache/todo-assistant`` (built binaries, jars)."""
    env = dev_settings().cache_dir
    return env if env else Path.home() / ".cache" / "todo-assistant"


def default_stack_dir() -> Path:
    """``$TODO_STACK_DIR`` or ``<repo>/var/stack`` (gitignored)."""
    env = dev_settings().stack_dir
    return env.resolve() if env else REPO_ROOT / "var" / "stack"


def kafka_version() -> str:
    """The Kafka version pinned in ``deploy/kafka/pom.xml``."""
    pom = (REPO_ROOT / "deploy" / "kafka" / "pom.xml").read_text(encoding="utf-8")
    match = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", pom)
    if match is None:
        raise RuntimeError("deploy/kafka/pom.xml has no <kafka.version>")
    return match.group(1).strip()


def dapr_bin_dir() -> Path:
    return cache_dir() / f"dapr-{DAPR_VERSION}"


def kafka_libs_dir() -> Path:
    return cache_dir() / f"kafka-{kafka_version()}" / "libs"


@dataclass(frozen=True)
class StackLayout:
    """Paths inside one stack directory."""

    root: Path

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    @property
    def secrets_file(self) -> Path:
        return self.root / "secrets.json"

    @property
    def data(self) -> Path:
        """``TODO_DATA_DIR`` of the apps."""
        return self.root / "data"

    @property
    def postgres(self) -> Path:
        return self.root / "postgres"

    @property
    def kafka(self) -> Path:
        return self.root / "kafka"

    @property
    def scheduler(self) -> Path:
        return self.root / "scheduler"

    @property
    def run(self) -> Path:
        """Rendered Dapr resources and configuration."""
        return self.root / "run"

    @property
    def components(self) -> Path:
        return self.run / "components"

    @property
    def config_file(self) -> Path:
        return self.run / "todo-config.yaml"

    @property
    def name_resolution_db(self) -> Path:
        return self.run / "nameresolution.db"

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def ensure(self) -> None:
        for path in (self.root, self.logs, self.data, self.run):
            path.mkdir(parents=True, exist_ok=True)
