"""Keeps this process's content and matcher in step with the content layer in the database.

Every `poll_seconds` one small query reads the layer's version; when another worker (or this
one) changed the layer (a phrasing added or undone, an item added, edited or undone), or a day
passed while an answer has a last day, the packs are laid over again with the layer
(content/layer.py) and the matcher rebuilt, off the event loop (about a second), and both are
swapped in: messages in flight finish with the old ones, the next use the new.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.failure_log import FailureLog
from content.index import build_matcher
from content.layer import LayerItem, overlay
from content.loader import ContentStore
from content.matcher import FaqMatcher
from db.content_layer import ContentLayer
from db.models import Clock, utcnow
from handlers.context import Services

log = logging.getLogger(__name__)


class MatcherRefresher:
    def __init__(self, services: Services, sessions: async_sessionmaker[AsyncSession],
                 poll_seconds: float = 2.0, clock: Clock = utcnow) -> None:
        self.services = services
        self.sessions = sessions
        self.poll_seconds = poll_seconds
        self.clock = clock
        self.base = services.content
        """The packs as loaded from the repository, which the layer is laid over."""
        self._base_expiring = any(entry.expires for entry in self.base.faq.values())
        self._expiring = self._base_expiring
        """Whether some answer has a last day: then a new day lays the layer over again."""
        self._version: tuple[Any, ...] = (0, 0, 0, None)
        self._lock = asyncio.Lock()
        self.failures = FailureLog(log)

    async def refresh(self) -> bool:
        """Lay the layer over the packs again if it changed since the last look (or a day
        passed while an answer has a last day); whether it did."""
        async with self._lock:
            today = self.clock().astimezone(self.services.timezone).date()
            async with self.sessions() as session:
                layer = ContentLayer(session)
                version = (*await layer.version(), today if self._expiring else None)
                if version == self._version:
                    return False
                items, added = await layer.items(), await layer.phrasings()
            content, matcher = await asyncio.to_thread(self._build, items, added, today)
            self.services.content, self.services.matcher = content, matcher
            self._expiring = self._base_expiring or any(
                item.kind == "faq" and item.data.get("expires") for item in items)
            self._version = (*version[:3], today if self._expiring else None)
            log.info("content rebuilt: %d items and %d phrasings from the console", len(items),
                     sum(len(texts) for texts in added.values()))
            return True

    def _build(self, items: list[LayerItem], added: dict[str, list[str]],
               today: dt.date) -> tuple[ContentStore, FaqMatcher]:
        content = overlay(self.base, items, today)
        confirmed = {i.item_id for i in items if i.kind == "faq" and i.item_id in content.faq}
        return content, build_matcher(content, None, True, added, confirmed)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.refresh()
            except Exception as exc:  # the database is down: the content stays as it is
                self.failures.failure("could not read the content layer", exc=exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_seconds)
