"""Per-user rate limits: an in-memory token bucket per key, per process.

With N replicas a user gets up to N times the limit (each process counts alone); a shared
limit would need a shared store (Redis, the Dapr state store with ETags). Good enough to stop
a runaway script or a looping client; not a defence against a distributed attack.

No web framework and no tables here: the agent counts chat turns with the same bucket.
The REST dependency built on it lives in `platform/rest_write_limit.py`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from backend_services.platform.errors import TooMany

MAX_KEYS = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`per_minute` requests per key on average, bursts up to `burst` (default: per_minute)."""

    def __init__(
        self,
        per_minute: int,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = max(per_minute, 1) / 60.0
        self.capacity = float(burst or max(per_minute, 1))
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Take one token; 0.0 when allowed, else the seconds until one is available."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= MAX_KEYS:
                    self._forget_full(now)
                bucket = self._buckets[key] = _Bucket(self.capacity, now)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate

    def wait(self, key: str) -> float:
        """Like `hit` without taking a token: 0.0 when one is available now."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return 0.0
            tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def check(self, key: str, what: str = "requests") -> None:
        refuse_after(self.hit(key), what)

    def check_available(self, key: str, what: str = "requests") -> None:
        """429 when `key` has no token left, taking none (count only what fails: `hit`)."""
        refuse_after(self.wait(key), what)

    def _forget_full(self, now: float) -> None:
        full = [
            k
            for k, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self.rate >= self.capacity
        ]
        for key in full or list(self._buckets)[: MAX_KEYS // 10]:
            del self._buckets[key]


def refuse_after(wait: float, what: str) -> None:
    """429 with Retry-After when `wait` (seconds) is positive."""
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise TooMany(
            f"too many {what}; try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
            retry_after=seconds,
        )
