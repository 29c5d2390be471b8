"""Sleep until woken or until a timeout, whichever comes first.

Callers clear the event *before* looking for work, so a wake-up that arrives while they
look is not lost. `asyncio.timeout` is used rather than `asyncio.wait_for`, which on
Python 3.11 can swallow a cancellation that races with the wake-up (the loop then never
stops).
"""

from __future__ import annotations

import asyncio
import contextlib


async def wait_for_wake(event: asyncio.Event, timeout: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()
