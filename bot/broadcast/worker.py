"""The broadcast worker: claims due deliveries, sends them at the global rate, records each outcome.

One worker runs a lane per configured channel (lane.py): it claims due rows, sends each at the
channel's global rate and hands the outcome to its recorder (recorder.py), which writes what has
arrived in one transaction every few milliseconds. The worker adds a heartbeat, which extends the
leases of the rows it holds, and a housekeeping loop, which starts scheduled broadcasts, closes
finished ones and notices pauses and cancels (within `poll_seconds`).

Crash safety: a row is recorded after its message went out, so a crash (kill -9, power loss)
between the two sends that message again when the row's lease runs out and another worker
claims it. Those are the only duplicates, and there are at most `batch_size` per channel of a
crashed worker (the rows its lane held unrecorded). Nothing is lost: every row is sent, failed, blocked or cancelled
in the end. A graceful stop (SIGTERM, SIGINT, `stop_event`) finishes the sends in flight,
records them and hands back the rows not yet sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.config import WorkerConfig
from bot.broadcast.lane import Lane
from bot.broadcast.outcome import Sender
from bot.broadcast.progress import ProgressHook, report
from bot.broadcast.ratelimit import RateGate, RateStore, open_rate_store
from bot.platforms import Platforms, configured_platforms, opened
from bot.settings import Settings
from db.broadcasts import control, outbox, reporting
from db.broadcasts.formatting import BroadcastMessage
from db.broadcasts.outbox import Result
from db.engine import create_engine, session_factory
from db.models import Broadcast

log = logging.getLogger(__name__)

RowsDone = Callable[[int], None]
"""Told how many rows reached a final state since the last call (a progress bar)."""
PROGRESS_EVERY = 2.0
"""Seconds between two progress reports of one broadcast (one edited chat message, no flood)."""


@dataclass
class WorkerStats:
    """What one worker did: rows it sent, failed, found blocked, and sends it will retry."""

    sent: int = 0
    failed: int = 0
    blocked: int = 0
    retried: int = 0


class Worker:
    """Lanes for the configured channels, their heartbeat and the housekeeping."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], senders: dict[str, Sender],
                 store: RateStore, config: WorkerConfig, *, until_idle: bool = False,
                 stop: asyncio.Event | None = None, on_progress: ProgressHook | None = None,
                 rows_done: RowsDone | None = None) -> None:
        self.sessions = sessions
        self.config = config
        self.until_idle = until_idle
        self.stop = stop or asyncio.Event()
        self.on_progress = on_progress
        self.rows_done = rows_done
        self.id = f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(3)}"
        self.lanes = [Lane(self, sender, RateGate(store, channel, config.rates.get(channel, 1.0),
                                                  self.stop))
                      for channel, sender in senders.items()]
        self.active: list[int] = []
        self.active_set: frozenset[int] = frozenset()
        self.stats = WorkerStats()
        self._messages: dict[int, BroadcastMessage] = {}
        self._changed: set[int] = set()
        self._reported: dict[int, float] = {}

    async def run(self) -> WorkerStats:
        log.info("broadcast worker %s: %s", self.id, ", ".join(lane.channel for lane in self.lanes))
        await self._first_look()  # the first claims need the sending broadcasts
        lanes = [asyncio.create_task(lane.run()) for lane in self.lanes]
        chores = [asyncio.create_task(self._housekeeping()), asyncio.create_task(self._heartbeat())]
        try:
            await asyncio.gather(*lanes)
        finally:
            self.stop.set()
            for lane in self.lanes:
                lane.nudge()
            await asyncio.gather(*lanes, return_exceptions=True)
            for chore in chores:
                chore.cancel()
            await asyncio.gather(*chores, return_exceptions=True)
            async with self.sessions() as session, session.begin():
                await outbox.release(session, self.id)  # nothing should be left; to be sure
        return self.stats

    async def _first_look(self) -> None:
        """The first look around, tried again while the database refuses it (SQLite answers
        "database is locked" at once when another writer commits in between), so a moment of
        contention at start-up does not stop the worker, nor `cdsbot run` with it."""
        while True:
            try:
                await self._look_around()
                return
            except (SQLAlchemyError, OSError) as exc:
                log.warning("broadcast worker %s: could not look for broadcasts (%s); trying "
                            "again", self.id, type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), self.config.retry_seconds)
            if self.stop.is_set():
                return

    async def message(self, broadcast_id: int) -> BroadcastMessage:
        message = self._messages.get(broadcast_id)
        if message is None:
            async with self.sessions() as session:
                b = await session.get_one(Broadcast, broadcast_id)
            message = self._messages[broadcast_id] = BroadcastMessage(
                b.text, b.image_url, b.link_url, b.link_label)
        return message

    def count(self, results: list[Result]) -> None:
        final = 0
        for result in results:
            if result.state in ("sent", "failed", "blocked"):
                final += 1
                setattr(self.stats, result.state, getattr(self.stats, result.state) + 1)
            elif result.error is not None:
                self.stats.retried += 1
            self._changed.add(result.row.broadcast_id)
        if final and self.rows_done is not None:
            self.rows_done(final)

    async def _look_around(self) -> list[int]:
        """Start due broadcasts, close finished ones, learn which are sending; the closed ids."""
        async with self.sessions() as session, session.begin():
            await control.start_due(session)
            finished = await control.finish_done(session)
            active = await control.sending_ids(session)
        if active != self.active:
            self.active, self.active_set = active, frozenset(active)
            for lane in self.lanes:
                lane.nudge()
        return finished

    async def _housekeeping(self) -> None:
        while not self.stop.is_set():
            try:
                finished = await self._look_around()
                await self._report(finished)
                if self.until_idle and await self._idle():
                    # The last rows may have been sent after this round's look: close them now.
                    await self._report(await self._look_around())
                    log.info("broadcast worker %s: nothing left to do", self.id)
                    self.stop.set()
                    for lane in self.lanes:
                        lane.nudge()
                    return
            except Exception:  # keep sending; the next round tries again
                log.exception("broadcast housekeeping failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), self.config.poll_seconds)

    async def _idle(self) -> bool:
        if not all(lane.idle for lane in self.lanes):
            return False
        async with self.sessions() as session:
            return not await control.has_work(session, [lane.channel for lane in self.lanes])

    async def _heartbeat(self) -> None:
        """Extend the leases of the rows this worker holds, three times per lease."""
        period = self.config.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(period)
            if any(not lane.idle for lane in self.lanes):
                try:
                    async with self.sessions() as session, session.begin():
                        await outbox.extend_leases(session, self.id, self.config.lease)
                except Exception:
                    log.exception("could not extend the leases of worker %s", self.id)

    async def _report(self, finished: list[int]) -> None:
        """on_progress for the broadcasts that moved, each at most every PROGRESS_EVERY
        seconds, and once more when one is done."""
        if self.on_progress is None:
            return
        now = time.monotonic()
        due = [b for b in self._changed if now - self._reported.get(b, 0.0) >= PROGRESS_EVERY]
        for broadcast_id in dict.fromkeys([*due, *finished]):
            self._changed.discard(broadcast_id)
            self._reported[broadcast_id] = now
            async with self.sessions() as session:
                current = await reporting.status(session, broadcast_id)
            if current is not None:
                await report(self.on_progress, broadcast_id, current)


@contextlib.contextmanager
def _signals_stop(stop: asyncio.Event) -> Iterator[None]:
    """SIGTERM and SIGINT stop the worker gracefully (only the main thread may listen)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def run_worker(settings: Settings, until_idle: bool = False,
                     stop_event: asyncio.Event | None = None, *,
                     sessions: async_sessionmaker[AsyncSession] | None = None,
                     platforms: Platforms | None = None,
                     on_progress: ProgressHook | None = None,
                     rows_done: RowsDone | None = None) -> WorkerStats:
    """Send due broadcasts on every configured channel until stopped (SIGTERM, SIGINT, or
    `stop_event` when the caller owns stopping), or with `until_idle` until nothing is due. Opens its own engine unless given
    `sessions` (the database must be migrated), and its own platform connections unless given
    the process's `platforms` (`cdsbot run` shares its channels')."""
    engine = None
    if sessions is None:
        engine = create_engine(settings.database_url, settings.database_pool_size)
        sessions = session_factory(engine)
    store = open_rate_store(settings.redis_url, sessions)
    stop = stop_event or asyncio.Event()
    try:
        async with contextlib.AsyncExitStack() as stack:
            if platforms is None:
                platforms = await stack.enter_async_context(
                    opened(configured_platforms(settings, sessions)))
            if not platforms:
                log.warning("no channel is configured (TELEGRAM_BOT_TOKEN, ZALO_APP_ID): "
                            "nothing to send")
                return WorkerStats()
            senders: dict[str, Sender] = dict(platforms)
            worker = Worker(sessions, senders, store, WorkerConfig.from_settings(settings),
                            until_idle=until_idle, stop=stop, on_progress=on_progress,
                            rows_done=rows_done)
            if stop_event is not None:  # the caller listens to the signals (cdsbot run, chat)
                return await worker.run()
            with _signals_stop(stop):
                return await worker.run()
    finally:
        await store.close()
        if engine is not None:
            await engine.dispose()
