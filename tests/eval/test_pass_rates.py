"""The pass-rate table reads the scenario test's failures by scenario id, per file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.eval.pass_rates import HERE, from_pytest_output, rate_table


def test_failed_scenarios_count_against_their_file(tmp_path: Path) -> None:
    first = json.loads((HERE / "nl_bulk.jsonl").read_text().splitlines()[0])["id"]
    out = tmp_path / "run.txt"
    out.write_text(f"FAILED tests/eval/test_public_scenarios.py::test_scenario[{first}] - x\n")
    rows = {name: (p, n) for name, p, n in from_pytest_output([str(out)])}
    passed, total = rows["nl_bulk"]
    assert passed == total - 1
    assert all(p == n for name, (p, n) in rows.items() if name != "nl_bulk")
    lines = rate_table([("nl_x", 19, 20), ("nl_y", 10, 10)])
    assert "| `nl_x` | 19 | 20 | 95.0% |" in lines
    assert lines[-1] == "| **all** | 29 | 30 | 96.7% |"
