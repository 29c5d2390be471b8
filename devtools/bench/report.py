"""docs/benchmarks.md from the results of devtools.bench.run_all: the markdown is the template
report.md.j2 (Jinja2); this module derives the few figures the template needs and renders it."""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from devtools.bench import cli_start, embedded, stack_cost, trickle
from devtools.bench.profile import sampled_line
from devtools.bench.stats import fmt

TEMPLATE = Path(__file__).with_name("report.md.j2")


class _Absent(StrictUndefined):
    """A result the run did not produce: false in ``{% if %}``, an error when printed."""

    def __bool__(self) -> bool:  # type: ignore[override]
        return False


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def _burst_cost(row: dict[str, Any]) -> str:
    """Where a burst of reminders goes: CPU per reminder by process, and what that allows."""
    per = row["burst_cpu_ms_per_reminder"]
    total = sum(per.values())
    cores = os.cpu_count() or 1
    arriving = row["count"] / 60
    top = ", ".join(f"{name} {ms:.2f}" for name, ms in list(per.items())[:8])
    return (
        f"Where the {row['count']:,}-reminder burst goes (CPU from 5 s before the minute until "
        f"the last notification, {row['burst_seconds']:.0f} s, per reminder, every process "
        f"with its idle background): {total:.1f} ms in all; {top}. Arriving at "
        f"{arriving:.0f}/s, the burst needs {arriving * total / 1000:.1f} cores of work while "
        f"this machine has {cores}: at most about {cores * 1000 / total:.0f} reminders/s go "
        "from job to notification here; the rest wait their turn in the pipeline (outbox, "
        "Kafka, the consumers), which is the lateness "
        "at notification above.\n"
        + (
            "\n"
            + sampled_line("reminder-service's CPU in the burst", row["reminder_service_profile"])
            + "\n"
            if "reminder_service_profile" in row
            else ""
        )
    )


def derived(r: dict[str, Any]) -> dict[str, Any]:
    """What the template shows beyond the raw results: sums, medians, choices."""
    d: dict[str, Any] = {}
    cost = r.get("cost")
    if cost:
        # people make tasks one at a time: size with what a lone create costs (the trickle)
        lone = (r.get("stack-trickle") or {}).get("trickle")
        basis = lone or cost
        shares = basis["per_process_ms"]
        d["capacity"] = {
            "lone": bool(lone),
            "cpu_ms": basis["cpu_ms_per_create"],
            "per_core": 1000 / basis["cpu_ms_per_create"] if basis["cpu_ms_per_create"] else 0,
            "app_ms": sum(
                v
                for k, v in shares.items()
                if not k.startswith(("daprd", "kafka", "post", "sched"))
            ),
            "side_ms": sum(v for k, v in shares.items() if k.startswith("daprd")),
            "infra_ms": sum(
                v for k, v in shares.items() if k.startswith(("kafka", "postgres", "sched"))
            ),
        }
    inv = r.get("invoke")
    if inv:
        d["saturated"] = min(inv["direct"]["achieved"], inv["via"]["achieved"]) < 0.95 * inv["rate"]
        d["invoke_rows"] = [
            ("direct", inv["direct"], inv["rate"]),
            ("via sidecars", inv["via"], inv["rate"]),
        ]
        if "direct_low" in inv:
            d["invoke_rows"] += [
                ("direct", inv["direct_low"], inv["low_rate"]),
                ("via sidecars", inv["via_low"], inv["low_rate"]),
            ]
    steady = (r.get("relay") or {}).get("stack", {}).get("trickle")
    if steady:
        first = steady[0]
        off = [t for t in steady if not t["linger_ms"] and t["rate"] == first["rate"]]
        on = [t for t in steady if t["linger_ms"] and t["rate"] == first["rate"]]
        if off and on:
            d["linger"] = {
                "rate": first["rate"],
                "linger_ms": on[0]["linger_ms"],
                "cpu_off": statistics.median(t["cpu_ms_per_event"] for t in off),
                "cpu_on": statistics.median(t["cpu_ms_per_event"] for t in on),
            }
    mem = r.get("memory")
    if mem:
        d["total_app_mib"] = sum(row["app_mib"] for row in mem["services"])
        d["total_daprd_mib"] = sum(row["daprd_mib"] for row in mem["services"])
        d["worst"] = max(mem["services"], key=lambda row: row["app_mib"])
    return d


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE.parent),
        undefined=_Absent,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # markdown, not HTML
    )
    env.filters["f"] = format
    env.filters["fmt"] = fmt
    env.filters["verdict"] = _verdict
    env.globals.update(
        stack_cost_table=lambda result: "\n".join(stack_cost.table(result)),
        # the per-process table alone, without the burst's cap and profile lines after it
        process_table=lambda result: "\n".join(stack_cost.table(result)).split("\n\n")[0],
        trickle_table=lambda result: "\n".join(trickle.table(result)),
        sampled_line=sampled_line,
        embedded_table=lambda result: "\n".join(embedded.table(result)),
        cli_table=lambda result: "\n".join(cli_start.table(result)),
        burst_cost=_burst_cost,
        cli_labels=cli_start.LABELS,
    )
    return env


def render(r: dict[str, Any]) -> str:
    template = _environment().get_template(TEMPLATE.name)
    return template.render(r=r, d=derived(r))
