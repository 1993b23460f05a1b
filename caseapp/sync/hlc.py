"""Hybrid logical clock: wall milliseconds plus a counter, as a sortable string.

Text form `WWWWWWWWWWWWWWW.CCCCC` (15-digit ms, 5-digit counter) sorts the same as the clock;
ties between sites break on site_id, then op_id (sync.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable

MAX_SKEW_MS = 24 * 3600 * 1000


def format_hlc(wall_ms: int, counter: int) -> str:
    return f"{wall_ms:015d}.{counter:05d}"


def parse_hlc(text: str) -> tuple[int, int]:
    wall, _, counter = text.partition(".")
    if len(wall) != 15 or len(counter) != 5 or not (wall.isdigit() and counter.isdigit()):
        raise ValueError(f"not a clock value: {text!r}")
    return int(wall), int(counter)


def wall_ms_now() -> int:
    return time.time_ns() // 1_000_000


class HybridClock:
    """Issues strictly increasing stamps; `observe` moves it past a stamp seen elsewhere."""

    def __init__(self, last: str | None = None, now: Callable[[], int] = wall_ms_now) -> None:
        self._now = now
        self._wall, self._counter = parse_hlc(last) if last else (0, 0)

    @property
    def last(self) -> str:
        return format_hlc(self._wall, self._counter)

    def tick(self) -> str:
        wall = self._now()
        if wall > self._wall:
            self._wall, self._counter = wall, 0
        else:
            self._counter += 1
            if self._counter > 99999:
                self._wall, self._counter = self._wall + 1, 0
        return self.last

    def observe(self, stamp: str) -> None:
        wall, counter = parse_hlc(stamp)
        if (wall, counter) > (self._wall, self._counter):
            self._wall, self._counter = wall, counter

    def is_too_far_ahead(self, stamp: str) -> bool:
        """True when a stamp is more than 24 h ahead of this machine's wall clock."""
        wall, _ = parse_hlc(stamp)
        return wall > self._now() + MAX_SKEW_MS
