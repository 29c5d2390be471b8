"""`Linger`: a round-based loop waits for more only while items arrive faster than one per
its linger, counted over the last second."""

from __future__ import annotations

import asyncio

import pytest

from backend_services.platform.waiting import Linger

pytestmark = pytest.mark.anyio


async def test_a_slow_flow_goes_at_once_and_a_fast_one_lingers() -> None:
    linger = Linger(0.02)  # more than 50 items in the last second is a flow
    for _ in range(50):
        linger.handled(1)
    assert not linger.flowing()
    linger.handled(0)  # an empty round counts nothing
    assert not linger.flowing()
    linger.handled(1)
    assert linger.flowing()


async def test_no_linger_never_waits() -> None:
    linger = Linger(0.0)
    linger.handled(10_000)
    assert not linger.flowing()
    await linger.pause()  # returns at once: nothing to wait for


async def test_rounds_older_than_the_window_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()
    now = loop.time()
    monkeypatch.setattr(loop, "time", lambda: now)
    linger = Linger(0.02)
    linger.handled(100)
    assert linger.flowing()
    monkeypatch.setattr(loop, "time", lambda: now + 1.5)
    linger.handled(1)
    assert not linger.flowing()
