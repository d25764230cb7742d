"""One channel of one worker: claims that channel's due rows, sends them, records them.

A lane keeps at most `batch_size` claimed rows that are not yet recorded: it claims more when
half of them are done. Its senders (`concurrency` of them) take rows in turn, wait for the
channel's next global slot (RateGate), send, and hand the outcome to the lane's recorder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.config import WorkerConfig
from bot.broadcast.outcome import Outcome, Sender
from bot.broadcast.ratelimit import RateGate
from bot.broadcast.recorder import Recorder, handed_back, result_of
from db.broadcasts import control, outbox
from db.broadcasts.formatting import BroadcastMessage
from db.broadcasts.outbox import Claimed, Result
from db.channel_state import AlertRepository
from db.models import utcnow

log = logging.getLogger(__name__)

QUOTA_ALERT_CODE = -211
"""Zalo's "out of quota", also used when our own count of the month's quota is reached."""


class LaneHost(Protocol):
    """What a lane uses of its worker (bot/broadcast/worker.py)."""

    sessions: async_sessionmaker[AsyncSession]
    id: str
    config: WorkerConfig
    stop: asyncio.Event
    active: list[int]
    """The broadcasts being sent now, oldest first."""
    active_set: frozenset[int]

    async def message(self, broadcast_id: int) -> BroadcastMessage: ...

    def count(self, results: list[Result]) -> None: ...


class Lane:
    """One channel of one worker: claims that channel's due rows, sends them, records them."""

    def __init__(self, worker: LaneHost, sender: Sender, gate: RateGate) -> None:
        self.worker = worker
        self.sender = sender
        self.gate = gate
        self.channel = sender.name
        self.queue: deque[Claimed] = deque()
        self.held = 0  # claimed by this lane and not yet recorded
        self.recorder = Recorder(worker.sessions, worker.id, self._written)
        self._nudge = asyncio.Event()
        self._ready = asyncio.Condition()
        self._rotation = 0

    @property
    def idle(self) -> bool:
        return self.held == 0

    def nudge(self) -> None:
        self._nudge.set()

    async def run(self) -> None:
        config = self.worker.config
        recorder = asyncio.create_task(self.recorder.run())
        senders = [asyncio.create_task(self._send_loop()) for _ in range(config.concurrency)]
        try:
            await self._feed()
        finally:
            while self.queue:  # stopping: rows nobody has taken yet go back at once
                self.recorder.add(handed_back(self.queue.popleft()))
            async with self._ready:
                self._ready.notify_all()
            await asyncio.gather(*senders)
            self.recorder.close()
            await recorder

    async def _feed(self) -> None:
        """Claim rows whenever at most half a batch is still unrecorded."""
        config, stop = self.worker.config, self.worker.stop
        while not stop.is_set():
            self._nudge.clear()
            if self.held <= config.batch_size // 2:
                try:
                    rows = await self._claim(config.batch_size - self.held)
                except Exception:  # the database may be briefly away: try again after a nap
                    log.exception("could not claim %s deliveries", self.channel)
                    rows = []
                if rows:
                    self.held += len(rows)
                    self.queue.extend(rows)
                    async with self._ready:
                        self._ready.notify(len(rows))
                    continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._nudge.wait(), config.poll_seconds)

    async def _claim(self, count: int) -> list[Claimed]:
        """Due rows of the sending broadcasts, taking them in turn so that none waits for
        another to finish."""
        active = self.worker.active
        for offset in range(len(active)):
            broadcast_id = active[(self._rotation + offset) % len(active)]
            async with self.worker.sessions() as session, session.begin():
                rows = await outbox.claim(session, self.worker.id, count, self.worker.config.lease,
                                          broadcast_id=broadcast_id, channel=self.channel)
            if rows:
                self._rotation = (self._rotation + offset + 1) % max(1, len(active))
                return rows
        return []

    async def _next_row(self) -> Claimed | None:
        async with self._ready:
            while not self.queue:
                if self.worker.stop.is_set():
                    return None
                await self._ready.wait()
            return self.queue.popleft()

    async def _send_loop(self) -> None:
        while (row := await self._next_row()) is not None:
            try:
                self.recorder.add(await self._send(row))
            except Exception as error:  # never lose a row's count: retry it later
                log.exception("sending delivery %s failed unexpectedly", row.id)
                self.recorder.add(result_of(row, Outcome("retry", repr(error)), self.worker.config,
                                            utcnow()))

    async def _send(self, row: Claimed) -> Result:
        if row.broadcast_id not in self.worker.active_set:  # paused or cancelled meanwhile
            return handed_back(row)
        message = await self.worker.message(row.broadcast_id)
        if not await self.gate.wait_turn():
            return handed_back(row)
        outcome = await self.sender.deliver(row.chat_id, message)
        if outcome.kind == "quota":
            await self._stop_for_quota(row.broadcast_id, outcome)
            return handed_back(row)
        if outcome.kind == "wait":
            log.info("%s asks to wait %.1f s: %s", self.channel, outcome.wait_seconds, outcome.error)
            await self.gate.pause(outcome.wait_seconds)
        return result_of(row, outcome, self.worker.config, utcnow())

    async def _stop_for_quota(self, broadcast_id: int, outcome: Outcome) -> None:
        """The channel's quota is used up: pause the broadcast (its unsent rows stay pending, so
        resuming when the quota renews loses nothing) and tell officers (/canhbao), once."""
        self.worker.active_set = self.worker.active_set - {broadcast_id}
        async with self.worker.sessions() as session, session.begin():
            if await control.pause(session, broadcast_id):
                await AlertRepository(session).add(
                    self.channel, QUOTA_ALERT_CODE,
                    f"broadcast #{broadcast_id} paused: {outcome.error}; resume it with "
                    f"`cdsbot broadcast resume {broadcast_id}` when the quota renews")
        log.warning("broadcast %s paused on %s: %s", broadcast_id, self.channel, outcome.error)

    def _written(self, results: list[Result]) -> None:
        self.held -= len(results)
        self.nudge()
        self.worker.count(results)
