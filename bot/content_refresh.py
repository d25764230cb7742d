"""Keeps this process's matcher in step with the content layer in the database.

Every `poll_seconds` one small query reads the layer's version; when another worker (or this
one) added or undid a phrasing, the matcher is rebuilt with it, off the event loop (about a
second), and swapped in: messages in flight finish with the old one, the next use the new.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.failure_log import FailureLog
from content.index import build_matcher
from db.content_layer import ContentLayer
from handlers.context import Services

log = logging.getLogger(__name__)


class MatcherRefresher:
    def __init__(self, services: Services, sessions: async_sessionmaker[AsyncSession],
                 poll_seconds: float = 2.0) -> None:
        self.services = services
        self.sessions = sessions
        self.poll_seconds = poll_seconds
        self._version: tuple[int, int] = (0, 0)
        self._lock = asyncio.Lock()
        self.failures = FailureLog(log)

    async def refresh(self) -> bool:
        """Rebuild the matcher if the layer changed since the last look; whether it did."""
        async with self._lock:
            async with self.sessions() as session:
                layer = ContentLayer(session)
                version = await layer.version()
                if version == self._version:
                    return False
                added = await layer.phrasings()
            matcher = await asyncio.to_thread(build_matcher, self.services.content, None, True,
                                              added)
            self.services.matcher = matcher
            self._version = version
            log.info("matcher rebuilt with %d added phrasings",
                     sum(len(texts) for texts in added.values()))
            return True

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.refresh()
            except Exception as exc:  # the database is down: the matcher stays as it is
                self.failures.failure("could not read the content layer", exc=exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_seconds)
