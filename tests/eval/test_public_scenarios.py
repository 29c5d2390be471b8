"""The public natural-language scenarios, run through the `todo` CLI (offline mode)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from launch.cli import main as todo
from tests.eval.checker import check_expect, norm_title

SCENARIOS = Path(__file__).resolve().parents[3] / "shared" / "eval" / "nl_public.jsonl"
if not SCENARIOS.exists():  # CI clones next to shared/ as well; fall back to a copy
    SCENARIOS = Path(__file__).with_name("nl_public.jsonl")
# the team's own scenarios (every tests/eval/nl_*.jsonl but the public copy), checked the same way
OWN = sorted(p for p in Path(__file__).parent.glob("nl_*.jsonl") if p.name != "nl_public.jsonl")
CASES = [
    json.loads(line)
    for path in (SCENARIOS, *OWN)
    for line in path.read_text().splitlines()
    if line.strip()
]


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("TODO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path


def chat(capsys: pytest.CaptureFixture[str], user: str, tz: str, text: str) -> str:
    assert todo(["chat", "--user", user, "--tz", tz, text]) == 0
    return capsys.readouterr().out


def tasks_of(capsys: pytest.CaptureFixture[str], user: str) -> list[dict]:
    assert todo(["tasks", "--user", user, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_scenario(case: dict, offline: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tz = ZoneInfo(case["tz"])
    for other in case.get("setup_other_user", []):
        chat(capsys, "bob", case["tz"], f"add {other['title']}")
    now = datetime.now(UTC)
    reply = ""
    for turn in case["turns"]:
        reply = chat(capsys, "alice", case["tz"], turn)
    tasks = tasks_of(capsys, "alice")
    for matcher in case.get("expect", []):
        reasons = check_expect(matcher, tasks, tz, now)
        assert not reasons, f"{matcher} not met: {reasons}"
    titles = [" ".join(norm_title(t["title"])) for t in tasks]
    for gone in case.get("absent", []):
        assert " ".join(norm_title(gone)) not in titles, f"{gone!r} still exists"
    for text in case.get("reply", []):
        assert text.lower() in reply.lower(), f"{text!r} not in reply {reply!r}"
    for text in case.get("reply_absent", []):
        assert text.lower() not in reply.lower(), f"{text!r} leaked into reply {reply!r}"


def test_cli_console_script_end_to_end(tmp_path: Path) -> None:
    """The installed `todo` command itself, as a user would run it."""
    exe = Path(sys.executable).with_name("todo")
    env = {**os.environ, "TODO_DATA_DIR": str(tmp_path)}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    run = subprocess.run(
        [exe, "chat", "--user", "zoe", "--tz", "Europe/Berlin", "add renew passport #admin"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "renew passport" in run.stdout
    listed = subprocess.run(
        [exe, "tasks", "--user", "zoe", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    tasks = json.loads(listed.stdout)
    assert [(t["title"], t["tags"]) for t in tasks] == [("renew passport", ["admin"])]
    assert tasks[0]["created_at"].endswith(("Z", "+00:00"))


def test_hashtags_in_an_update_add_to_the_tags(
    offline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chat(capsys, "alice", "UTC", "add buy milk #shop")
    chat(capsys, "alice", "UTC", "add #home to buy milk")
    assert [t["tags"] for t in tasks_of(capsys, "alice")] == [["shop", "home"]]


def test_token_is_the_first_command_on_a_new_data_dir(
    offline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert todo(["token", "--user", "newbie"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.count(".") == 2  # a signed JWT
    assert (offline / "secrets.json").exists()
