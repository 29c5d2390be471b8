"""`free_port` never hands the same port out twice in a row of picks: the launcher and the
fixtures choose all of a stack's ports before any process binds one."""

from __future__ import annotations

from devtools.stack.ports import free_port


def test_a_burst_of_picks_has_no_duplicates() -> None:
    # 2,000 independent picks from ~12,700 ports would repeat about 150 of them
    picks = [free_port() for _ in range(2000)]
    assert len(set(picks)) == len(picks)
