"""Failures that repeat are logged once, then summed up: during a database outage every message
fails alike, and a traceback per message (hundreds a second) buries everything else.

The first failure of a kind is logged in full; the same kind again within `interval` seconds is
only counted, and one line per interval says how many there were. A missing schema (a database
recreated empty while the bot runs) is named as such, with what to do.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

INTERVAL = 60.0
SCHEMA_MISSING_HINT = ("the database has no tables (was it recreated empty?): run `cdsbot db "
                       "upgrade` or restart the bot, which migrates at start")


def is_schema_missing(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}"
    return ("no such table" in text or "UndefinedTable" in text
            or ("relation" in text and "does not exist" in text))


@dataclass
class _Window:
    started: float
    suppressed: int = 0


class FailureLog:
    def __init__(self, logger: logging.Logger, interval: float = INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger = logger
        self.interval = interval
        self.clock = clock
        self._windows: dict[str, _Window] = {}

    def failure(self, message: str, *args: object, exc: BaseException | None = None,
                kind: str | None = None) -> None:
        """Log `message % args` (with the traceback of `exc`) unless the same kind of failure
        was logged less than an interval ago; then it is counted for the summary."""
        kind = kind or (type(exc).__name__ if exc is not None else message)
        now = self.clock()
        window = self._windows.get(kind)
        if window is not None and now - window.started < self.interval:
            window.suppressed += 1
            if window.suppressed == 1:
                self._summarise_later(kind)
            return
        if window is not None:
            self._summarise(kind)
        self._windows[kind] = _Window(now)
        if exc is not None and is_schema_missing(exc):
            self.logger.error(message + ": " + SCHEMA_MISSING_HINT, *args)
            return
        self.logger.error(message, *args, exc_info=exc)

    def _summarise_later(self, kind: str) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop: the next failure after the interval writes the summary
        loop.call_later(self.interval, self._summarise, kind)

    def _summarise(self, kind: str) -> None:
        window = self._windows.get(kind)
        if window is None or window.suppressed == 0:
            return
        self.logger.error("%d more failures like the last one (%s) in %.0f s", window.suppressed,
                          kind, self.clock() - window.started)
        window.suppressed = 0
        window.started = self.clock()
