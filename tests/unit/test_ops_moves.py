"""devtools/ops_moves.py moves the dev tools and rewrites their references on any tree (the lead
runs it again on other branches after merging): here on a small git repository of its own."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "devtools" / "ops_moves.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ops_moves_under_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    files = {
        "launch/__init__.py": "",
        "launch/cli.py": "from launch.stack.commands import main\nimport launch.k8s.commands\n",
        "launch/build_scripts.py": "from launch.stack.paths import REPO_ROOT\n",
        "launch/stack/__init__.py": "",
        "launch/stack/commands.py": "from launch.build_scripts import run\n",
        "launch/k8s/__init__.py": "",
        "bench/__init__.py": "",
        "bench/run_all.py": "from bench import report\nfrom bench.stats import fmt\n"
        "REPO = Path(__file__).resolve().parents[1]\n",
        "bench/stats.py": "",
        "bench/report.py": "",
        "Makefile": "bench:\n\t$(PY) -m bench.run_all\nk8s:\n\tpython -m launch.k8s up\n",
        ".gitignore": "bench/results/\n",
        "docs/x.md": "See launch/stack/stack.py and `bench.stats`; make bench. "
        "The bench-probe app.\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "tree")
    return root


def test_moves_rewrites_and_is_idempotent(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ops = load_script()
    assert ops.main(["--root", str(tree), "--check"]) == 1
    assert ops.main(["--root", str(tree)]) == 0
    assert not (tree / "launch" / "stack").exists() and not (tree / "bench").exists()
    assert (tree / "devtools" / "stack" / "commands.py").exists()
    assert (tree / "devtools" / "bench" / "run_all.py").exists()
    assert (tree / "devtools" / "build_scripts.py").exists()
    assert (tree / "devtools" / "__init__.py").exists()
    renames = git(tree, "status", "--porcelain")
    assert "launch/stack/commands.py -> devtools/stack/commands.py" in renames  # a rename

    assert (tree / "launch" / "cli.py").read_text() == (
        "from devtools.stack.commands import main\nimport devtools.k8s.commands\n"
    )
    assert (tree / "devtools" / "stack" / "commands.py").read_text() == (
        "from devtools.build_scripts import run\n"
    )
    run_all = (tree / "devtools" / "bench" / "run_all.py").read_text()
    assert run_all == (
        "from devtools.bench import report\nfrom devtools.bench.stats import fmt\n"
        "REPO = Path(__file__).resolve().parents[2]\n"
    )
    assert "-m devtools.bench.run_all" in (tree / "Makefile").read_text()
    assert "-m devtools.k8s up" in (tree / "Makefile").read_text()
    assert (tree / ".gitignore").read_text() == "devtools/bench/results/\n"
    assert (tree / "docs" / "x.md").read_text() == (
        "See devtools/stack/stack.py and `devtools.bench.stats`; make bench. The bench-probe app.\n"
    )

    capsys.readouterr()
    before = {p: p.read_text() for p in tree.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert ops.main(["--root", str(tree)]) == 0
    assert capsys.readouterr().out == ""
    after = {p: p.read_text() for p in tree.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert after == before
    assert ops.main(["--root", str(tree), "--check"]) == 0


def test_a_branch_that_still_uses_the_old_names_is_fixed_after_the_merge(tree: Path) -> None:
    """After a merge, the moves are there but a branch's new file still says launch.stack."""
    ops = load_script()
    ops.main(["--root", str(tree)])
    late = tree / "tests" / "test_new.py"
    late.parent.mkdir()
    late.write_text("from launch.stack.ports import free_port\nimport bench.stats\n")
    # and a module the branch added beside the old ones (rename detection cannot carry it)
    added = tree / "launch" / "stack" / "added.py"
    added.parent.mkdir()
    added.write_text("from launch.stack import commands\n")
    git(tree, "add", "-A")
    assert ops.main(["--root", str(tree), "--check"]) == 1
    ops.main(["--root", str(tree)])
    assert not added.exists()
    moved = tree / "devtools" / "stack" / "added.py"
    assert moved.read_text() == "from devtools.stack import commands\n"
    assert (tree / "devtools" / "stack" / "commands.py").exists()
    assert (
        late.read_text()
        == "from devtools.stack.ports import free_port\nimport devtools.bench.stats\n"
    )
