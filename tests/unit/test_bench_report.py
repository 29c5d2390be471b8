"""docs/benchmarks.md is rendered from a template (devtools/bench/report.md.j2): recorded results
render to the markdown the former hand-written renderer produced for them, section for section."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jinja2
import pytest

from devtools.bench import report

DATA = Path(__file__).parent / "data"
SAMPLES = ("bench_results_sample", "bench_results_sample_partial")


def load(name: str) -> dict[str, Any]:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def recorded(name: str) -> str:
    return (DATA / f"{name.replace('results', 'report')}.md").read_text(encoding="utf-8")


def headings(markdown: str) -> list[str]:
    return re.findall(r"^#{1,3} .*$", markdown, flags=re.MULTILINE)


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """The capacity sentences divide by the machine's cores: the recorded output had two."""
    monkeypatch.setattr(report.os, "cpu_count", lambda: 2)


@pytest.mark.parametrize("name", SAMPLES)
def test_recorded_results_render_as_before(name: str) -> None:
    rendered = report.render(load(name))
    assert headings(rendered) == headings(recorded(name))
    assert rendered == recorded(name)


def test_the_partial_run_leaves_out_what_it_did_not_measure() -> None:
    full, partial = headings(recorded(SAMPLES[0])), headings(recorded(SAMPLES[1]))
    assert "## Embedded mode (`todo up`)" in full
    assert "## Embedded mode (`todo up`)" not in partial
    assert set(partial) < set(full)
    assert "not measurable (saturated" in report.render(load(SAMPLES[1]))


def test_a_missing_figure_is_an_error_not_a_blank() -> None:
    results = load(SAMPLES[0])
    del results["cost"]["clients"]
    with pytest.raises(jinja2.UndefinedError, match="clients"):
        report.render(results)
