"""Render the Dapr resource templates in <repo>/components/ into a stack's run
directory, and write the stack's secrets file (read by the local.file secret
store)."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .paths import REPO_ROOT

TEMPLATES_DIR = REPO_ROOT / "components"
PLACEHOLDER = re.compile(r"\{\{\s*([A-Z][A-Z0-9_]*)\s*\}\}")
CONFIG_NAME = "todo-config"


class RenderError(RuntimeError):
    pass


def render_text(text: str, values: Mapping[str, str]) -> str:
    """Replace ``{{NAME}}`` placeholders; Dapr's own ``{uuid}``/``{appID}`` stay."""
    missing: set[str] = set()

    def sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            missing.add(key)
            return match.group(0)
        return values[key]

    out = PLACEHOLDER.sub(sub, text)
    if missing:
        raise RenderError(f"no value for placeholder(s): {', '.join(sorted(missing))}")
    return out


@dataclass(frozen=True)
class Resource:
    kind: str
    name: str
    scopes: tuple[str, ...]
    type: str | None
    path: Path

    def applies_to(self, app_id: str) -> bool:
        return not self.scopes or app_id in self.scopes


def _documents(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [d for d in yaml.safe_load_all(fh) if isinstance(d, dict)]


def read_resources(directory: Path) -> list[Resource]:
    """Every Dapr resource (any kind) in the YAML files of ``directory``."""
    found: list[Resource] = []
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        for doc in _documents(path):
            meta = doc.get("metadata") or {}
            spec = doc.get("spec") or {}
            found.append(
                Resource(
                    kind=str(doc.get("kind", "")),
                    name=str(meta.get("name", "")),
                    scopes=tuple(str(s) for s in doc.get("scopes") or ()),
                    type=str(spec["type"]) if isinstance(spec, dict) and "type" in spec else None,
                    path=path,
                )
            )
    return found


def components_for(app_id: str, directory: Path) -> list[Resource]:
    """Components that a daprd with ``app_id`` loads from ``directory``."""
    return [r for r in read_resources(directory) if r.kind == "Component" and r.applies_to(app_id)]


def render_all(
    values: Mapping[str, str],
    components_dir: Path,
    config_file: Path,
    templates: Path = TEMPLATES_DIR,
) -> list[Path]:
    """Render every template: the Configuration ``todo-config`` to ``config_file``,
    all other resources into ``components_dir``.

    Only files whose content changes are written, and stale ones removed:
    running daprds hot-reload ``components_dir`` (a rewritten Resiliency makes
    daprd restart itself), so an unchanged render must not touch anything.
    """
    components_dir.mkdir(parents=True, exist_ok=True)
    config_file.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    config_seen = False
    for path in sorted([*templates.glob("*.yaml"), *templates.glob("*.yml")]):
        text = render_text(path.read_text(encoding="utf-8"), values)
        docs = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
        is_config = any(
            d.get("kind") == "Configuration"
            and (d.get("metadata") or {}).get("name") == CONFIG_NAME
            for d in docs
        )
        if is_config:
            if len(docs) != 1:
                raise RenderError(f"{path}: keep the Configuration alone in its file")
            target = config_file
            config_seen = True
        else:
            target = components_dir / path.name
        _write_if_changed(target, text)
        written.append(target)
    if not config_seen:
        raise RenderError(f"no Configuration named {CONFIG_NAME} in {templates}")
    for stale in set(components_dir.iterdir()) - set(written):
        if stale.is_dir():
            shutil.rmtree(stale)
        else:
            stale.unlink()
    return written


def _write_if_changed(path: Path, text: str) -> None:
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


# -- secrets ---------------------------------------------------------------------


APP_API_TOKEN_KEY = "app-api-token"


def write_secrets(path: Path, *, pg_keyword_dsn: str, database_url: str) -> dict[str, str]:
    """Write ``secrets.json`` (0600). ``auth-signing-key`` and ``app-api-token`` (what each
    daprd presents to its app) are generated once per stack and kept."""
    current: dict[str, str] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                current = {str(k): str(v) for k, v in loaded.items()}
        except ValueError:
            current = {}
    signing_key = current.get("auth-signing-key") or secrets.token_hex(32)
    data = {
        **current,
        "pg-connection-string": pg_keyword_dsn,
        "database-url": database_url,
        "auth-signing-key": signing_key,
        APP_API_TOKEN_KEY: current.get(APP_API_TOKEN_KEY) or secrets.token_urlsafe(32),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
    tmp.replace(path)
    return data
