"""Sleep until woken or until a timeout, whichever comes first; linger under a steady flow.

Callers clear the event *before* looking for work, so a wake-up that arrives while they
look is not lost. `asyncio.timeout` is used rather than `asyncio.wait_for`, which on
Python 3.11 can swallow a cancellation that races with the wake-up (the loop then never
stops).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque


async def wait_for_wake(event: asyncio.Event, timeout: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()


class Linger:
    """A loop that handles what has arrived in rounds (the outbox relay, the embedded
    runtime's bulk deliveries) pays about the same per round for one item as for fifty.
    While items arrive faster than one per `seconds` (counted over the last second), `pause`
    waits `seconds` before the next round, so it takes what arrived meanwhile together, as
    Kafka's producer does with `linger.ms` and daprd's bulk subscriber with its
    `maxAwaitDurationMs`. A lone item, or a slower flow, goes at once. 0 never waits."""

    WINDOW = 1.0

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._rounds: deque[tuple[float, int]] = deque()  # (when, items) of the last second

    def handled(self, items: int) -> None:
        now = asyncio.get_running_loop().time()
        if items:
            self._rounds.append((now, items))
        while self._rounds and self._rounds[0][0] < now - self.WINDOW:
            self._rounds.popleft()

    def flowing(self) -> bool:
        """Whether the last second brought more than one item per `seconds`."""
        return sum(n for _, n in self._rounds) * self.seconds > self.WINDOW

    async def pause(self) -> None:
        if self.seconds and self.flowing():
            await asyncio.sleep(self.seconds)
