"""The machine's 1-minute load average, sampled through a whole benchmark run: the numbers of
a run on a shared machine are read against how busy it was (other processes included)."""

from __future__ import annotations

import contextlib
import statistics
import threading
from pathlib import Path
from typing import Any


class LoadSampler:
    def __init__(self, every_seconds: float = 10.0) -> None:
        self.every = every_seconds
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="loadavg", daemon=True)

    def _run(self) -> None:
        while True:
            with contextlib.suppress(OSError, ValueError, IndexError):
                self.samples.append(float(Path("/proc/loadavg").read_text().split()[0]))
            if self._stop.wait(self.every):
                return

    def start(self) -> LoadSampler:
        self._thread.start()
        return self

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join(timeout=5)
        s = self.samples
        if not s:
            return {}
        return {
            "samples": len(s),
            "every_s": self.every,
            "min": min(s),
            "median": statistics.median(s),
            "max": max(s),
        }
