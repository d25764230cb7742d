"""Wakes the open web streams of a conversation when it has new events.

Events stored by this process wake its streams at once and are handed to them (`notify`), so a
stream sends them without reading the database; events stored by another process (a second web
worker, the broadcast worker) are found by one query a poll for the conversations changed
lately, whatever the number of open streams, and those streams read what follows their cursor.
Handed events that do not follow a stream's cursor without a gap are not trusted: it reads the
database instead. A redundant wake-up costs a query and sends nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.failure_log import FailureLog
from db.models import Clock, utcnow
from db.web_chat import WebEventLog

log = logging.getLogger(__name__)
OVERLAP = dt.timedelta(seconds=2)
"""How far back each poll looks again: commits land late, clocks of processes differ a little."""


class Watch:
    """One open stream (or waiting poll): set when its conversation may have new events."""

    __slots__ = ("woke", "_handed", "_polled")

    def __init__(self) -> None:
        self.woke = asyncio.Event()
        self._handed: list[dict[str, Any]] = []
        self._polled = False

    def hand(self, events: list[dict[str, Any]] | None) -> None:
        if events is None:
            self._polled = True
        else:
            self._handed.extend(events)
        self.woke.set()

    def take(self, cursor: int) -> list[dict[str, Any]] | None:
        """The handed events after `cursor` when they follow it without a gap, else None: the
        stream must read the database (an event stored elsewhere, or one it was not handed)."""
        self.woke.clear()
        handed, polled = sorted(self._handed, key=lambda e: e["seq"]), self._polled
        self._handed, self._polled = [], False
        events = [event for event in handed if event["seq"] > cursor]
        if polled or any(e["seq"] != cursor + 1 + n for n, e in enumerate(events)):
            return None
        return events


class WebEventHub:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], poll_seconds: float = 0.5,
                 clock: Clock = utcnow) -> None:
        self.sessions = sessions
        self.poll_seconds = poll_seconds
        self.clock = clock
        self._waiters: dict[int, set[Watch]] = {}
        self._notified: dict[int, int] = {}
        """Per watched conversation: the highest event number its streams were woken for."""
        self._poller: asyncio.Task[None] | None = None
        self.stopping = False
        self.failures = FailureLog(log)

    @contextlib.contextmanager
    def watch(self, conversation_id: int) -> Iterator[Watch]:
        """A watch woken whenever the conversation may have new events."""
        watch = Watch()
        self._waiters.setdefault(conversation_id, set()).add(watch)
        try:
            yield watch
        finally:
            waiters = self._waiters[conversation_id]
            waiters.discard(watch)
            if not waiters:
                del self._waiters[conversation_id]
                self._notified.pop(conversation_id, None)

    def notify(self, conversation_id: int, seq: int,
               events: list[dict[str, Any]] | None = None) -> None:
        """The conversation's events up to `seq` are stored (`events`: those just stored here,
        as streams send them): wake its streams unless they were woken for them already."""
        waiters = self._waiters.get(conversation_id)
        if not waiters or self._notified.get(conversation_id, 0) >= seq:
            return
        self._notified[conversation_id] = seq
        for watch in waiters:
            watch.hand(events)

    def stored(self, conversation_id: int, events: list[dict[str, Any]]) -> None:
        """Events this process has just committed."""
        if events:
            self.notify(conversation_id, max(e["seq"] for e in events), events)

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
            for watch in waiters:
                watch.hand(None)

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
