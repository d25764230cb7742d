"""Per-user incoming throttle: a sliding window of message times, kept in memory per process.

Only new messages are counted (the intake checks after the dedupe), and users idle for a window
are forgotten as it goes, so the memory holds the users of the last window only."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"
    """The first message over the limit: tell the user politely."""
    DROP = "drop"
    """Further messages in the same window: the user has been told already."""


class Throttle:
    def __init__(self, max_messages: int, window_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_messages = max_messages
        self.window = window_seconds
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._warned: dict[str, float] = {}
        self._next_cleanup = clock() + window_seconds

    def check(self, key: str) -> Verdict:
        now = self.clock()
        if now >= self._next_cleanup:
            self.forget_idle()
        times = self._seen.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        if len(times) < self.max_messages:
            times.append(now)
            self._warned.pop(key, None)
            return Verdict.ALLOW
        if key in self._warned and now - self._warned[key] <= self.window:
            return Verdict.DROP
        self._warned[key] = now
        return Verdict.WARN

    def forget_idle(self) -> None:
        """Drop users with no message in the last window (also done by `check` once a window)."""
        now = self.clock()
        self._next_cleanup = now + self.window
        for key in [k for k, t in self._seen.items() if not t or now - t[-1] > self.window]:
            del self._seen[key]
        for key in [k for k, at in self._warned.items() if now - at > self.window]:
            del self._warned[key]

    def __len__(self) -> int:
        """How many users are remembered."""
        return len(self._seen)
