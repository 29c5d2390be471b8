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


def with_lone_creates(**keep: bool) -> dict[str, Any]:
    """The full sample plus the trickle steps (figures of the run in docs/benchmarks.md)."""
    results = load(SAMPLES[0])
    lone = load("bench_results_trickle")
    results.update({k: v for k, v in lone.items() if keep.get(k.replace("-", "_"), True)})
    return results


def section(markdown: str, heading: str) -> str:
    start = markdown.index(heading)
    end = markdown.find("\n## ", start + len(heading))
    return markdown[start:end]


def test_lone_creates_render_their_section_summary_and_the_sizing() -> None:
    rendered = report.render(with_lone_creates())
    heads = headings(rendered)
    lone = "## One create at a time: trickle and burst"
    assert heads.index("## One vs two replicas of every service") < heads.index(lone)
    assert heads.index(lone) + 1 == heads.index("## Capacity: what one core buys")
    summary = section(rendered, "## Summary")
    for row in (
        "| embedded CPU per create, trickle (load avg 9.9) | 13.9 ms | ≤ 6 ms | **missed** |",
        "| embedded CPU per create, burst (load avg 10.0) | 6.1 ms | ≤ 4 ms | **missed** |",
        "| real stack CPU per create, trickle (load avg 11.8) | 38.4 ms | ≤ 12 ms | **missed** |",
        "| real stack CPU per create, burst (load avg 14.1) | 11.8 ms | ≤ 6 ms | **missed** |",
    ):
        assert f"\n{row}\n" in summary
    body = section(rendered, lone)
    assert "| embedded (`todo up`), CPU-ms per create until every event is handled | " in body
    assert "baseline `7ae0732`" in body
    assert "| trickle: one client at 10/s, each event alone | **30.0 ms** (32.3 with idle" in body
    assert "| trickle: one client at 10/s | **38.4** (50.5 with idle) | 10 | 11.8 |" in body
    assert "| burst | **11.8** (14.2 with idle) | 50 | 14.1 |" in body
    for kind, first_row in (
        ("trickle", "| task-service | 12.68 |"),
        ("burst", "| task-service | 5.81 |"),
    ):
        table = section(body, f"Stack {kind}, CPU-ms per create by process:")
        assert first_row in table
        assert f"Where task-service's CPU ({kind}) goes (py-spy" in body
    # the per-process tables without the burst's capacity sentence
    assert "What this caps" not in body
    sizing = section(rendered, "## Capacity: what one core buys")
    assert "At a trickle (one client at 10/s" in sizing
    assert "costs 38.4 CPU-ms" in sizing
    # the scheduler counts as infrastructure only: 12.68+4.52+2.83+1.43+1.03+0.82 in Python
    assert "Python services 23.3, Dapr sidecars 8.7, Kafka/PostgreSQL/scheduler 6.4" in sizing
    assert "**one core sustains about 26 lone creates/s**" in sizing
    assert "1/60 create/s, each arriving alone; one core then serves about 1,561" in sizing


def test_without_the_stack_trickle_the_sizing_stays_on_the_burst() -> None:
    rendered = report.render(with_lone_creates(stack_trickle=False))
    body = section(rendered, "## One create at a time: trickle and burst")
    assert "baseline `7ae0732`" in body
    assert "real stack, straight to task-service" not in body
    assert "real stack CPU per create, trickle" not in rendered
    sizing = section(rendered, "## Capacity: what one core buys")
    assert sizing.startswith("## Capacity: what one core buys\n\nFrom the table above: ")
    assert "lone creates/s" not in sizing
    assert "each arriving alone" not in sizing


def test_without_either_trickle_step_there_is_no_such_section() -> None:
    rendered = report.render(with_lone_creates(trickle=False, stack_trickle=False))
    assert rendered == recorded(SAMPLES[0])
