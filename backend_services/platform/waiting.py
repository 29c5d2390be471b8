"""Sleep until woken or until a timeout, whichever comes first."""

from __future__ import annotations

import asyncio
import contextlib


async def wait_for_wake(event: asyncio.Event, timeout: float) -> None:
    """Clear `event`, then wait for someone to set it again, at most `timeout` seconds."""
    event.clear()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout=timeout)
