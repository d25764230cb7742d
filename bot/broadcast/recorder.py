"""What becomes of a claimed row after a send (the retry policy), and writing it down."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.config import WorkerConfig
from bot.broadcast.outcome import Outcome
from db.broadcasts import outbox
from db.broadcasts.outbox import Claimed, Result

log = logging.getLogger(__name__)

WRITE_RETRY = 1.0
"""Seconds before writing outcomes again after a database error."""
GATHER = 0.01
"""Seconds a recorder lets outcomes gather before writing them: one transaction for many rows
(under load), yet every outcome is written within a few hundredths of a second."""
MAX_BACKOFF = 600.0


def result_of(row: Claimed, outcome: Outcome, config: WorkerConfig, now: dt.datetime) -> Result:
    """The row's next state for a send outcome (see outcome.py for the kinds)."""
    if outcome.kind in ("sent", "blocked", "failed"):
        return Result(row, outcome.kind, row.attempts + 1, outcome.error)
    if outcome.kind == "wait":  # the platform's pace, not the message's fault: no attempt spent
        return Result(row, "pending", row.attempts, outcome.error,
                      now + dt.timedelta(seconds=outcome.wait_seconds))
    attempts = row.attempts + 1
    if attempts >= config.max_attempts:
        return Result(row, "failed", attempts, outcome.error)
    # Exponential back-off with jitter, so rows that failed together do not retry together.
    delay = min(MAX_BACKOFF, config.retry_seconds * 2 ** (attempts - 1)) * random.uniform(0.5, 1.5)
    return Result(row, "pending", attempts, outcome.error, now + dt.timedelta(seconds=delay))


def handed_back(row: Claimed) -> Result:
    """A row given back unsent (paused, or the worker is stopping): due again at once."""
    return Result(row, "pending", row.attempts)


class Recorder:
    """Writes a lane's outcomes as they come: what arrives during one write goes in the next."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], worker_id: str,
                 written: Callable[[list[Result]], None]) -> None:
        self.sessions = sessions
        self.worker_id = worker_id
        self.written = written
        self._waiting: list[Result] = []
        self._wake = asyncio.Event()
        self._closing = False

    def add(self, result: Result) -> None:
        self._waiting.append(result)
        self._wake.set()

    async def run(self) -> None:
        while True:
            if not self._waiting:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            if not self._closing:
                await asyncio.sleep(GATHER)
            batch, self._waiting = self._waiting, []
            await self._write(batch)
            self.written(batch)

    def close(self) -> None:
        """Stop once everything added so far is written."""
        self._closing = True
        self._wake.set()

    async def _write(self, batch: list[Result]) -> None:
        while True:
            try:
                async with self.sessions() as session, session.begin():
                    await outbox.record(session, self.worker_id, batch)
                return
            except Exception:  # the database may be briefly away: the messages went out
                log.exception("could not record %d outcomes; retrying", len(batch))
                await asyncio.sleep(WRITE_RETRY)
