"""Progress of a long build, reported to a callback at a modest rate."""

from __future__ import annotations

import time
from typing import Callable

Progress = Callable[[str, int, int], None]  # (phase, done, total)

INTERVAL = 0.1  # seconds between reports within a phase


class Ticker:
    """Counts the items of one phase and tells `progress` about them: at the start,
    at most every INTERVAL seconds, and once at the end (done == total).
    Without a callback it does nothing."""

    def __init__(self, progress: Progress | None, phase: str, total: int, done: int = 0):
        self.progress = progress
        self.phase = phase
        self.total = total
        self.done = done
        self.last = 0.0
        self.ended = False
        if progress is not None and total:
            self._report()

    def advance(self, count: int = 1) -> None:
        if self.progress is None or self.ended:
            return
        self.done = min(self.total, self.done + count)
        if self.done == self.total or time.monotonic() - self.last >= INTERVAL:
            self._report()

    def finish(self) -> None:
        if self.progress is not None and self.total and not self.ended:
            self.done = self.total
            self._report()

    def _report(self) -> None:
        self.last = time.monotonic()
        self.ended = self.done == self.total
        self.progress(self.phase, self.done, self.total)
