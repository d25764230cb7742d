"""Wakes the open web streams of a conversation when it has new events.

Events stored by this process wake its streams at once (`notify`); events stored by another
process (a second web worker, the broadcast worker) are found by one query a poll for the
conversations changed lately, whatever the number of open streams. A wake-up only makes a
stream read what follows its cursor, so a redundant one costs a query and sends nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Iterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.failure_log import FailureLog
from db.models import Clock, utcnow
from db.web_chat import WebEventLog

log = logging.getLogger(__name__)
OVERLAP = dt.timedelta(seconds=2)
"""How far back each poll looks again: commits land late, clocks of processes differ a little."""


class WebEventHub:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], poll_seconds: float = 0.5,
                 clock: Clock = utcnow) -> None:
        self.sessions = sessions
        self.poll_seconds = poll_seconds
        self.clock = clock
        self._waiters: dict[int, set[asyncio.Event]] = {}
        self._notified: dict[int, int] = {}
        """Per watched conversation: the highest event number its streams were woken for."""
        self._poller: asyncio.Task[None] | None = None
        self.stopping = False
        self.failures = FailureLog(log)

    @contextlib.contextmanager
    def watch(self, conversation_id: int) -> Iterator[asyncio.Event]:
        """An event set whenever the conversation may have new events (clear it after reading)."""
        woke = asyncio.Event()
        self._waiters.setdefault(conversation_id, set()).add(woke)
        try:
            yield woke
        finally:
            waiters = self._waiters[conversation_id]
            waiters.discard(woke)
            if not waiters:
                del self._waiters[conversation_id]
                self._notified.pop(conversation_id, None)

    def notify(self, conversation_id: int, seq: int) -> None:
        """Event `seq` of the conversation is stored: wake its streams unless they were woken
        for it (or a later one) already."""
        waiters = self._waiters.get(conversation_id)
        if not waiters or self._notified.get(conversation_id, 0) >= seq:
            return
        self._notified[conversation_id] = seq
        for woke in waiters:
            woke.set()

    @property
    def watched(self) -> int:
        """Open streams and waiting polls."""
        return sum(len(waiters) for waiters in self._waiters.values())

    def start(self) -> None:
        if self._poller is None:
            self._poller = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        self.stopping = True
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
            self._poller = None
        for waiters in self._waiters.values():  # streams end, their clients reconnect elsewhere
            for woke in waiters:
                woke.set()

    async def _poll(self) -> None:
        since = self.clock()
        while True:
            await asyncio.sleep(self.poll_seconds)
            if not self._waiters:
                since = self.clock()
                continue
            started = self.clock()
            try:
                async with self.sessions() as session:
                    changed = await WebEventLog(session).changed_since(since - OVERLAP)
            except Exception as exc:  # the database is down: streams wait, the next poll tries
                self.failures.failure("web chat: could not look for new events", exc=exc)
                continue
            since = started
            for conversation_id, seq in changed:
                self.notify(conversation_id, seq)
