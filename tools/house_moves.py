"""Issue 23's module moves: one package per Dapr app id and a shared kernel.

    python tools/house_moves.py [repo]

Moves each old module to its new place with `git mv` (skipping what is already moved), then
rewrites every reference across the tracked text files: import lines (`import a.b`,
`from a.b import c`, `from a import b` where `a.b` is a moved module), dotted strings
(`"a.b:attr"`, `mock.patch("a.b.c")`), file paths in docs and config. Idempotent: a second
run, or a run on a tree that is already moved, changes nothing. Afterwards it sorts the
imports of the files it touched with ruff, if the repo's .venv has it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BS = "backend_services"

# old module -> new module (dotted, under backend_services). Order does not matter.
MODULES: dict[str, str] = {
    # the shared kernel: what the apps, the agent, the MCP server and the UI share
    "service_schemas": "kernel.service_schemas",
    "tasks.wording": "kernel.wording",
    "tasks.recurrence": "kernel.rrule",
    "tasks.schemas": "kernel.task_schemas",
    "users.models": "kernel.accounts",
    "users.tokens": "kernel.tokens",
    "users.principals": "kernel.principals",
    # task-service: tasks, users, admin
    "tasks.app": "task_service.app",
    "tasks.models": "task_service.tasks.models",
    "tasks.routes": "task_service.tasks.routes",
    "tasks.service": "task_service.tasks.service",
    "users.deletion": "task_service.users.deletion",
    "users.first_account": "task_service.users.first_account",
    "users.routes": "task_service.users.routes",
    "users.service": "task_service.users.service",
    "users.sign_in": "task_service.users.sign_in",
    "users.token_routes": "task_service.users.token_routes",
    "users.oauth": "task_service.users.oauth",
    "users.oauth_routes": "task_service.users.oauth_routes",
    "tasks.calendar_feed": "task_service.tasks.calendar_feed",
    "tasks.calendar_routes": "task_service.tasks.calendar_routes",
    "tasks.feed_models": "task_service.tasks.feed_models",
    "tasks.ics": "task_service.tasks.ics",
    "admin.health": "task_service.admin.health",
    "admin.models": "task_service.admin.models",
    "admin.proxy": "task_service.admin.proxy",
    "admin.routes": "task_service.admin.routes",
    "admin.schemas": "task_service.admin.schemas",
    "admin.stats": "task_service.admin.stats",
    # one package per other app id
    "reminders.app": "reminder_service.app",
    "reminders.models": "reminder_service.models",
    "reminders.service": "reminder_service.service",
    "recurrence.app": "recurring_worker.app",
    "notifications.app": "notification_service.app",
    "notifications.models": "notification_service.models",
    "notifications.service": "notification_service.service",
    "audit.app": "audit_service.app",
    "audit.models": "audit_service.models",
    "audit.service": "audit_service.service",
    # the three limit modules, named by what they hold
    "platform.limits": "platform.body_limits",
    "platform.ratelimit": "platform.token_bucket",
    "platform.rest_limits": "platform.rest_write_limit",
}

# old packages that move whole (their dotted name / path maps too); the others are split
PACKAGES: dict[str, str] = {
    "admin": "task_service.admin",
    "reminders": "reminder_service",
    "recurrence": "recurring_worker",
    "notifications": "notification_service",
    "audit": "audit_service",
}
SPLIT_PACKAGES = ("tasks", "users")

TEXT_SUFFIXES = {".py", ".md", ".toml", ".ini", ".cfg", ".yaml", ".yml", ".txt", ".sh", ".json"}
TEXT_NAMES = {"Makefile", "Dockerfile"}
SELF = "tools/house_moves.py"
# its test holds old names on purpose (a small repository of its own)
OWN_TEST = "tests/unit/test_house_moves.py"


def dotted(module: str) -> str:
    return f"{BS}.{module}"


def path_of(module: str) -> str:
    return f"{BS}/{module.replace('.', '/')}.py"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


def move_files(repo: Path) -> list[str]:
    moved = []
    for old, new in sorted(MODULES.items()):
        src, dst = repo / path_of(old), repo / path_of(new)
        if not src.exists() or dst.exists():
            continue
        # every new package on the way gets an (empty) __init__.py
        parts = new.split(".")[:-1]
        for depth in range(1, len(parts) + 1):
            init = repo / BS / Path(*parts[:depth]) / "__init__.py"
            if not init.exists():
                init.parent.mkdir(parents=True, exist_ok=True)
                init.write_text("")
                git(repo, "add", str(init.relative_to(repo)))
        git(repo, "mv", path_of(old), path_of(new))
        moved.append(f"{path_of(old)} -> {path_of(new)}")
    for package in (*PACKAGES, *SPLIT_PACKAGES):
        folder = repo / BS / package
        init = folder / "__init__.py"
        left = (
            [p for p in folder.glob("*.py") if p.name != "__init__.py"] if folder.exists() else []
        )
        if init.exists() and not left and not init.read_text().strip():
            git(repo, "rm", "-q", str(init.relative_to(repo)))
            moved.append(f"removed {init.relative_to(repo)}")
    return moved


def _dotted_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.]){re.escape(name)}(?![\w])")


def _path_pattern(path: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w./]){re.escape(path)}")


def _replacements() -> list[tuple[re.Pattern[str], str]]:
    pairs: list[tuple[str, str, bool]] = []
    for old, new in MODULES.items():
        pairs.append((dotted(old), dotted(new), True))
        pairs.append((path_of(old), path_of(new), False))
    for old, new in PACKAGES.items():
        pairs.append((dotted(old), dotted(new), True))
        pairs.append((f"{BS}/{old}/", f"{BS}/{new.replace('.', '/')}/", False))
    # longest first: a module's name before its package's
    pairs.sort(key=lambda p: len(p[0]), reverse=True)
    return [
        (_dotted_pattern(old) if is_dotted else _path_pattern(old), new)
        for old, new, is_dotted in pairs
    ]


# `from backend_services.tasks import service as tasks, wording` (maybe in parentheses)
FROM_PACKAGE = re.compile(
    r"^(?P<indent>[ \t]*)from (?P<pkg>backend_services(?:\.\w+)*) import "
    r"(?P<names>\([^)]*\)|[^\n#]+?)[ \t]*$",
    re.MULTILINE,
)


def _rewrite_from_package(match: re.Match[str]) -> str:
    pkg = match["pkg"].removeprefix(BS).lstrip(".")
    raw = match["names"].strip("()")
    names = [n.strip() for n in raw.replace("\n", " ").split(",") if n.strip()]
    parsed = []
    for item in names:
        name, _, alias = item.partition(" as ")
        parsed.append((name.strip(), alias.strip() or None))
    targets = []
    for name, alias in parsed:
        old = f"{pkg}.{name}" if pkg else name
        if old not in MODULES:
            return match.group(0)  # not (only) moved modules: the dotted rules handle it
        new_parent, _, new_leaf = MODULES[old].rpartition(".")
        as_name = alias or name
        spelled = new_leaf if as_name == new_leaf else f"{new_leaf} as {as_name}"
        parent = f"{BS}.{new_parent}" if new_parent else BS
        targets.append((parent, spelled))
    indent = match["indent"]
    return "\n".join(f"{indent}from {parent} import {spelled}" for parent, spelled in targets)


def rewrite_text(text: str, rules: list[tuple[re.Pattern[str], str]], python: bool) -> str:
    if python:
        text = FROM_PACKAGE.sub(_rewrite_from_package, text)
    for pattern, new in rules:
        text = pattern.sub(new, text)
    return text


def tracked_text_files(repo: Path) -> list[Path]:
    files = []
    for name in git(repo, "ls-files").splitlines():
        path = repo / name
        if name in (SELF, OWN_TEST) or not path.is_file():
            continue
        if path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES:
            files.append(path)
    return files


def rewrite_references(repo: Path) -> list[Path]:
    rules = _replacements()
    changed = []
    for path in tracked_text_files(repo):
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        new = rewrite_text(text, rules, python=path.suffix == ".py")
        if new != text:
            path.write_text(new)
            changed.append(path)
    return changed


def tidy(repo: Path, changed: list[Path]) -> None:
    ruff = repo / ".venv" / "bin" / "ruff"
    py = [str(p) for p in changed if p.suffix == ".py"]
    if not py or not ruff.exists():
        return
    subprocess.run([str(ruff), "check", "-q", "--select", "I", "--fix", *py], cwd=repo)
    subprocess.run([str(ruff), "format", "-q", *py], cwd=repo)


def main(argv: list[str]) -> int:
    repo = Path(argv[1] if len(argv) > 1 else ".").resolve()
    for line in move_files(repo):
        print(line)
    changed = rewrite_references(repo)
    tidy(repo, changed)
    for path in changed:
        print(f"rewrote {path.relative_to(repo)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
