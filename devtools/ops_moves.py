"""Move the dev tools out of the product package, and rewrite every reference to them.

    python devtools/ops_moves.py [--root DIR] [--move-only | --rewrite-only] [--check]

- ``launch/stack`` -> ``devtools/stack``, ``launch/k8s`` -> ``devtools/k8s``, ``bench`` ->
  ``devtools/bench``, ``launch/build_scripts.py`` -> ``devtools/build_scripts.py``
  (``git mv``: pure renames, so git follows the files' history and a merge of another branch
  that edited them lands in the new place).
- Then, in every tracked text file, the dotted and slashed spellings: ``launch.stack`` ->
  ``devtools.stack``, ``launch/k8s`` -> ``devtools/k8s``, ``bench.run_all`` / ``from bench
  import`` / ``bench/`` -> ``devtools.bench...`` (Python imports, ``python -m`` in the
  Makefile and scripts, tests, docs, .gitignore).

Idempotent: a second run (or a run on a tree that already has the moves, e.g. after merging
another branch) changes nothing that is already right and fixes what still points at the old
places. ``--check`` changes nothing and exits 1 when something would change (for CI / the
lead after a merge).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

# (old, new) paths relative to the repository root.
MOVES: tuple[tuple[str, str], ...] = (
    ("launch/stack", "devtools/stack"),
    ("launch/k8s", "devtools/k8s"),
    ("launch/build_scripts.py", "devtools/build_scripts.py"),
    ("bench", "devtools/bench"),
)

# Files never rewritten: this script (it spells the old names on purpose), lock files.
SKIP = {"devtools/ops_moves.py", "tests/unit/test_ops_moves.py", "uv.lock"}
TEXT_SUFFIXES = {
    ".py", ".md", ".toml", ".cfg", ".ini", ".sh", ".yaml", ".yml", ".txt", ".json", ".j2",
    ".tpl", ".mk", "",
}  # fmt: skip

Rewrite = Callable[[str], str]


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def bench_modules(root: Path) -> list[str]:
    """The bench package's module names (wherever it is now), longest first."""
    for directory in (root / "devtools" / "bench", root / "bench"):
        if directory.is_dir():
            names = {p.stem for p in directory.glob("*.py") if p.stem != "__init__"}
            names |= {p.name for p in directory.iterdir() if (p / "__init__.py").exists()}
            return sorted(names, key=len, reverse=True)
    return []


def rewrites(root: Path) -> list[tuple[re.Pattern[str], str]]:
    rules: list[tuple[re.Pattern[str], str]] = [
        # the dotted module names and the slashed paths, not already under devtools
        (re.compile(r"(?<![\w.])launch\.(stack|k8s|build_scripts)\b"), r"devtools.\1"),
        (re.compile(r"(?<![\w./-])launch/(stack|k8s|build_scripts\.py)(?![\w.-])"), r"devtools/\1"),
        (re.compile(r"(?<![\w.])from bench import\b"), "from devtools.bench import"),
        (re.compile(r"(?<![\w.])import bench\b(?!\.)"), "import devtools.bench"),
        (re.compile(r"(?<![\w./-])bench/"), "devtools/bench/"),
    ]
    modules = bench_modules(root)
    if modules:
        joined = "|".join(re.escape(m) for m in modules)
        rules.append((re.compile(rf"(?<![\w./-])bench\.(?=(?:{joined})\b)"), "devtools.bench."))
    return rules


def rewrite_text(text: str, rules: list[tuple[re.Pattern[str], str]]) -> str:
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


def _depth_fix(path: str, text: str) -> str:
    """bench's modules found the repository one level up; under devtools/ it is two."""
    if path.startswith("devtools/bench/") and path.endswith(".py"):
        old, new = "Path(__file__).resolve().parents[1]", "Path(__file__).resolve().parents[2]"
        return text.replace(old, new)
    return text


def move(root: Path, *, dry_run: bool) -> list[str]:
    done: list[str] = []
    for old, new in MOVES:
        src, dst = root / old, root / new
        if not src.exists():
            continue
        tracked = _git(root, "ls-files", "--", old).split()
        if not tracked:
            continue
        done.append(f"git mv {old} {new}")
        if dry_run:
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.exists() and dst.is_dir():
            # the target exists (a merge brought files there): move file by file
            for name in tracked:
                target = root / new / Path(name).relative_to(old)
                target.parent.mkdir(parents=True, exist_ok=True)
                _git(root, "mv", name, str(target.relative_to(root)))
        else:
            _git(root, "mv", old, new)
    init = root / "devtools" / "__init__.py"
    if not init.exists() and (root / "devtools").is_dir():
        done.append("create devtools/__init__.py")
        if not dry_run:
            init.write_text('"""Development tools: never in the wheel (pyproject packages)."""\n')
            _git(root, "add", "devtools/__init__.py")
    return done


def rewrite(root: Path, *, dry_run: bool) -> list[str]:
    rules = rewrites(root)
    changed: list[str] = []
    for name in _git(root, "ls-files").splitlines():
        path = root / name
        if name in SKIP or path.suffix not in TEXT_SUFFIXES or not path.is_file():
            continue
        if path.suffix == "" and path.name not in {"Makefile", ".gitignore", "Dockerfile"}:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        new = _depth_fix(name, rewrite_text(text, rules))
        if new != text:
            changed.append(name)
            if not dry_run:
                path.write_text(new, encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--move-only", action="store_true", help="only the git mv step")
    parser.add_argument("--rewrite-only", action="store_true", help="only the text rewrites")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if needed")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    todo: list[str] = []
    if not args.rewrite_only:
        todo += move(root, dry_run=args.check)
    if not args.move_only:
        todo += [f"rewrote {name}" for name in rewrite(root, dry_run=args.check)]
    for line in todo:
        print(line)
    if args.check and todo:
        print("ops_moves: the tree still has the old places", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
