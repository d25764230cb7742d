"""A global send rate per channel, shared by every worker in every process.

A channel's rate is kept as one number: its next free send slot, in seconds since the epoch. A
process reserves a run of n slots by moving that mark n intervals forward in one atomic step,
then sends each message at its slot. The mark never lags behind "now", so an idle channel saves
up no burst, and slots reserved by different processes never overlap.

The mark lives in Redis when REDIS_URL is set (a Lua script, atomic), else in the database (one
`rate_slots` row per channel, one UPDATE … RETURNING, which row locks serialise). Each store reads
its own clock (Redis TIME, PostgreSQL's statement_timestamp()), so workers on several machines
agree without synchronised clocks; SQLite is one machine's file, so local time serves there.

A platform asking us to wait (Telegram 429 retry_after, Zalo -32) moves the mark past the wait for
every process. Slots another process had already reserved (at most two runs: 2 × RUN_SECONDS)
may still be used during that wait; a platform that answers them with its own "wait" pauses that
process too.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import RateSlot

RUN_SECONDS = 0.2
"""A process reserves this much of a channel's time at once (and the next run when it starts the
last slot of one): few store round trips, and at most two runs' capacity stranded when it stops
or the platform asks everyone to wait."""
LATE = 0.01
"""A slot may be used one interval late, or this long at very high rates; a later one is skipped
(a sender was busy elsewhere). So a second holds at most one send more than the rate."""


class RateStore(Protocol):
    """Where the channels' next free slots are kept."""

    async def reserve(self, channel: str, count: int, interval: float) -> float:
        """Take `count` slots `interval` seconds apart; return the seconds until the first."""

    async def pause(self, channel: str, seconds: float) -> None:
        """No slot of the channel starts within the next `seconds`."""

    async def close(self) -> None: ...


NEW_MARK = {"reserve": "{max}(next_at, {now}) + :seconds",
            "pause": "{max}(next_at, {now} + :seconds)"}
"""The channel's new mark: after taking `seconds` of its time, or after a pause of `seconds`."""


class DatabaseRateStore:
    """The slots in the `rate_slots` table (PostgreSQL or SQLite)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._known: set[str] = set()

    async def _move(self, channel: str, mode: str, seconds: float) -> tuple[float, float]:
        """Move the channel's mark (see NEW_MARK); return (the new mark, now)."""
        table = RateSlot.__tablename__
        async with self.sessions() as session, session.begin():
            if channel not in self._known:
                await _ensure_row(session, channel)
                self._known.add(channel)
            if session.get_bind().dialect.name == "postgresql":
                now_sql = "EXTRACT(EPOCH FROM statement_timestamp())::float8"
                mark = NEW_MARK[mode].format(max="GREATEST", now=now_sql)
                statement = text(f"UPDATE {table} SET next_at = {mark} WHERE channel = :channel "
                                 f"RETURNING next_at, {now_sql}")
                row = (await session.execute(statement, {"channel": channel,
                                                         "seconds": seconds})).one()
                return float(row[0]), float(row[1])
            now = time.time()  # SQLite: one machine, one clock
            mark = NEW_MARK[mode].format(max="max", now=":now")
            statement = text(f"UPDATE {table} SET next_at = {mark} WHERE channel = :channel "
                             "RETURNING next_at")
            after = (await session.execute(statement, {"channel": channel, "now": now,
                                                       "seconds": seconds})).scalar_one()
            return float(after), now

    async def reserve(self, channel: str, count: int, interval: float) -> float:
        cost = count * interval
        after, now = await self._move(channel, "reserve", cost)
        return after - cost - now

    async def pause(self, channel: str, seconds: float) -> None:
        await self._move(channel, "pause", seconds)

    async def close(self) -> None:
        pass


async def _ensure_row(session: AsyncSession, channel: str) -> None:
    """The channel's row, created at 0 (free now) by whichever worker comes first."""
    table = RateSlot.__tablename__
    await session.execute(text(f"INSERT INTO {table} (channel, next_at) VALUES (:channel, 0) "
                               "ON CONFLICT (channel) DO NOTHING"), {"channel": channel})


RESERVE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local mark = tonumber(redis.call('GET', KEYS[1]) or '0')
if mark < now then mark = now end
local start = mark
if ARGV[2] == 'pause' then
  if mark < now + tonumber(ARGV[1]) then mark = now + tonumber(ARGV[1]) end
else
  mark = mark + tonumber(ARGV[1])
end
redis.call('SET', KEYS[1], string.format('%.6f', mark), 'EX', 86400)
return string.format('%.6f', start - now)
"""
"""ARGV: seconds, mode ('reserve': take that much time; 'pause': nothing before now + seconds).
Returns the seconds until the first reserved slot."""


class RedisRateStore:
    """The slots in Redis (REDIS_URL), for deployments that already run it."""

    def __init__(self, url: str, prefix: str = "cdsbot:rate:") -> None:
        import redis.asyncio as redis  # only deployments with REDIS_URL need the package

        self.client: Any = redis.Redis.from_url(url)
        self.prefix = prefix
        self._script = self.client.register_script(RESERVE_SCRIPT)

    async def reserve(self, channel: str, count: int, interval: float) -> float:
        delay = await self._script(keys=[self.prefix + channel], args=[count * interval, "reserve"])
        return float(delay)

    async def pause(self, channel: str, seconds: float) -> None:
        await self._script(keys=[self.prefix + channel], args=[seconds, "pause"])

    async def close(self) -> None:
        await self.client.aclose()


def open_rate_store(redis_url: str | None,
                    sessions: async_sessionmaker[AsyncSession]) -> RateStore:
    return RedisRateStore(redis_url) if redis_url else DatabaseRateStore(sessions)


class RateGate:
    """This process's turns to send on one channel, at the global rate.

    Senders call `wait_turn()` before each message. The gate reserves a run of RUN_SECONDS'
    worth of slots from the store and hands them out in order. A slot may be used a little late
    (see LATE); older ones are skipped, which loses capacity rather than making a burst."""

    def __init__(self, store: RateStore, channel: str, rate: float,
                 stop: asyncio.Event | None = None) -> None:
        self.store = store
        self.channel = channel
        self.interval = 1.0 / rate
        self.run = max(1, round(rate * RUN_SECONDS))
        self.late = max(self.interval, LATE)
        self.stop = stop or asyncio.Event()
        # Runs reserved, each (loop time of its slot 0, slots), and the next slot of the first.
        self._runs: deque[tuple[float, int]] = deque()
        self._next = 0
        self._lock = asyncio.Lock()
        self._paused_until = 0.0

    async def wait_turn(self) -> bool:
        """Wait for this process's next slot; False when the worker is stopping instead."""
        loop = asyncio.get_running_loop()
        while not self.stop.is_set():
            slot = await self._next_slot(loop)
            wait = slot - loop.time()
            if wait > 0 and not await self._sleep(wait):
                return False
            if loop.time() >= self._paused_until:
                return True
            # The platform asked everyone to wait after this slot was reserved: take another.
        return False

    async def pause(self, seconds: float) -> None:
        """The platform said to wait: no send from any process for `seconds`."""
        loop = asyncio.get_running_loop()
        self._paused_until = max(self._paused_until, loop.time() + seconds)
        self._runs.clear()
        self._next = 0
        await self.store.pause(self.channel, seconds)

    async def _next_slot(self, loop: asyncio.AbstractEventLoop) -> float:
        async with self._lock:
            self._skip_stale(loop.time() - self.late)
            if not self._runs:
                await self._reserve(loop)
            start, count = self._runs[0]
            slot = start + self._next * self.interval
            self._next += 1
            if self._next >= count:
                self._runs.popleft()
                self._next = 0
                # Reserve the following run now, while this sender waits for its slot: the next
                # sender finds its slot ready, right after this one, with no gap and no bunching.
                await self._reserve(loop)
            return slot

    def _skip_stale(self, earliest: float) -> None:
        """Forget the slots nobody took before `earliest`."""
        while self._runs:
            start, count = self._runs[0]
            fresh = max(self._next, math.ceil((earliest - start) / self.interval))
            if fresh < count:
                self._next = fresh
                return
            self._runs.popleft()
            self._next = 0

    async def _reserve(self, loop: asyncio.AbstractEventLoop) -> None:
        delay = await self.store.reserve(self.channel, self.run, self.interval)
        self._runs.append((loop.time() + delay, self.run))

    async def _sleep(self, seconds: float) -> bool:
        """Sleep, waking early if the worker stops; False if it did."""
        if seconds < 0.5:  # short waits are not worth a timer on the stop event
            await asyncio.sleep(seconds)
            return not self.stop.is_set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), seconds)
        return not self.stop.is_set()
