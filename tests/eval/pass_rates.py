"""Pass rates of the scenario files, one row per file (a phrasing class), and the offline
agent's own time per reply. Run: `.venv/bin/python -m tests.eval.pass_rates [--write]`;
`--write` puts the table into docs/nlp.md between its markers; `--from OUT...` reads saved
`pytest -q tests/eval` outputs instead of running the scenarios again.

Each scenario runs as tests/eval/test_public_scenarios.py runs it (the `todo` CLI in offline
mode, a fresh data dir) and is checked the same way; the time per reply is the parser's share
(`agent.nlp.parse_message`) and the whole offline turn's (parser, tools, embedded task
service and database, through the CLI)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.eval.checker import check_expect, norm_title

HERE = Path(__file__).parent
DOC = HERE.parents[1] / "docs" / "nlp.md"
BEGIN, END = "<!-- pass-rates:begin -->", "<!-- pass-rates:end -->"


def _cli(argv: list[str]) -> str:
    from launch.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    return out.getvalue()


def run_case(case: dict, parse_times: list[float], turn_times: list[float]) -> list[str]:
    """The reasons a scenario fails (empty when it passes)."""
    from agent import nlp

    tz = ZoneInfo(case["tz"])
    with tempfile.TemporaryDirectory() as data:
        os.environ["TODO_DATA_DIR"] = data
        for other in case.get("setup_other_user", []):
            _cli(["chat", "--user", "bob", "--tz", case["tz"], f"add {other['title']}"])
        now = datetime.now(UTC)
        reply = ""
        for turn in case["turns"]:
            t0 = time.perf_counter()
            with contextlib.suppress(nlp.PhraseError):
                nlp.parse_message(turn, datetime.now(tz))
            parse_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            reply = _cli(["chat", "--user", "alice", "--tz", case["tz"], turn])
            turn_times.append(time.perf_counter() - t0)
        tasks = json.loads(_cli(["tasks", "--user", "alice", "--json"]))
    reasons: list[str] = []
    for matcher in case.get("expect", []):
        if check_expect(matcher, tasks, tz, now):
            reasons.append(f"expect {matcher}")
    titles = [" ".join(norm_title(t["title"])) for t in tasks]
    reasons += [f"absent {g}" for g in case.get("absent", []) if " ".join(norm_title(g)) in titles]
    reasons += [f"reply {r}" for r in case.get("reply", []) if r.lower() not in reply.lower()]
    reasons += [
        f"reply_absent {r}" for r in case.get("reply_absent", []) if r.lower() in reply.lower()
    ]
    return reasons


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


def from_pytest_output(paths: list[str]) -> list[tuple[str, int, int]]:
    """(file, passed, scenarios) from saved `pytest -q` outputs of the scenario test: every
    scenario counts as passed unless a `FAILED ...[id]` line names it."""
    failed: set[str] = set()
    for path in paths:
        for line in Path(path).read_text().splitlines():
            if line.startswith("FAILED") and "test_scenario[" in line:
                failed.add(line.split("test_scenario[", 1)[1].split("]", 1)[0])
    rows = []
    for path in sorted(HERE.glob("nl_*.jsonl")):
        ids = [json.loads(line)["id"] for line in path.read_text().splitlines() if line.strip()]
        rows.append((path.stem, sum(i not in failed for i in ids), len(ids)))
    return rows


def rate_table(rows: list[tuple[str, int, int]]) -> list[str]:
    total_p, total_n = sum(r[1] for r in rows), sum(r[2] for r in rows)
    lines = ["| scenario file (class) | passed | scenarios | pass rate |", "|---|---|---|---|"]
    lines += [f"| `{name}` | {p} | {n} | {100 * p / n:.1f}% |" for name, p, n in rows]
    lines.append(f"| **all** | {total_p} | {total_n} | {100 * total_p / total_n:.1f}% |")
    return lines


def main(argv: list[str]) -> int:
    if "--from" in argv:  # tables from saved pytest outputs instead of a run of its own
        print("\n".join(rate_table(from_pytest_output(argv[argv.index("--from") + 1 :]))))
        return 0
    os.environ.pop("OPENAI_API_KEY", None)
    os.environ.pop("OPENAI_BASE_URL", None)
    os.environ.pop("DATABASE_URL", None)
    rows: list[tuple[str, int, int]] = []
    parse_times: list[float] = []
    turn_times: list[float] = []
    failures: list[str] = []
    for path in sorted(HERE.glob("nl_*.jsonl")):
        cases = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        passed = 0
        for case in cases:
            reasons = run_case(case, parse_times, turn_times)
            passed += not reasons
            if reasons:
                failures.append(f"{path.stem}/{case['id']}: {'; '.join(reasons)}")
        rows.append((path.stem, passed, len(cases)))
    lines = rate_table(rows)
    lines.append("")
    lines.append(
        f"Per reply over {len(turn_times)} turns: parser p95 {1000 * p95(parse_times):.1f} ms; "
        f"whole offline turn through the CLI (parser, tools, embedded task service, SQLite) "
        f"p95 {1000 * p95(turn_times):.0f} ms."
    )
    shown = "\n".join(lines)
    print(shown)
    for failure in failures:
        print("FAIL", failure, file=sys.stderr)
    if "--write" in argv:
        doc = DOC.read_text()
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        DOC.write_text(f"{head}{BEGIN}\n{shown}\n{END}{tail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
