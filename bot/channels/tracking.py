"""Following a broadcast from the officer's chat: the message that announced it is kept up to
date as it is sent (Telegram edits it; a channel that cannot edit sends the final state only)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.progress import FINAL_STATES, watch_progress
from content.i18n import Catalogs
from db.models import Broadcast, as_utc
from handlers.broadcasts import progress_reply
from handlers.messages import Reply

log = logging.getLogger(__name__)
Show = Callable[[Reply, bool], Awaitable[None]]
"""Show the tracked message as it now stands; the flag says whether the broadcast is over."""
INTERVAL = 3.0
"""Seconds between looks at the counts: an edit every few seconds, never a flood."""


class ProgressTracker:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], catalogs: Catalogs) -> None:
        self.sessions = sessions
        self.catalogs = catalogs
        self._tasks: set[asyncio.Task[None]] = set()

    def follow(self, broadcast_id: int, show: Show, locale: str | None,
               interval: float = INTERVAL) -> None:
        """Show the broadcast's progress, in the reader's language, until it is over."""
        task = asyncio.create_task(self._follow(broadcast_id, show, locale, interval))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _follow(self, broadcast_id: int, show: Show, locale: str | None,
                      interval: float) -> None:
        t = self.catalogs.translator(self.catalogs.resolve(locale))

        async def on_progress(_: int, current: dict[str, Any]) -> None:
            final = current["state"] in FINAL_STATES
            try:
                took = await self._duration(broadcast_id) if final else None
                await show(progress_reply(t, current, took), final)
            except Exception:  # a failed edit must not stop the following ones
                log.exception("could not show the progress of broadcast %s", broadcast_id)

        await watch_progress(self.sessions, broadcast_id, on_progress, interval=interval)

    async def _duration(self, broadcast_id: int) -> dt.timedelta | None:
        async with self.sessions() as session:
            broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is None or broadcast.started_at is None or broadcast.finished_at is None:
            return None
        return as_utc(broadcast.finished_at) - as_utc(broadcast.started_at)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
