"""A followed broadcast's progress is shown in the language of the officer who sent it."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.tracking import ProgressTracker
from db.models import Broadcast
from handlers.context import Services
from handlers.messages import Reply


async def test_progress_is_shown_in_the_readers_language(
        services: Services, sessions: async_sessionmaker[AsyncSession]):
    async with sessions() as session, session.begin():
        broadcast = Broadcast(text="Vòng 2", audience=["topic:contests"], state="done", total=0)
        session.add(broadcast)
        await session.flush()
        broadcast_id = broadcast.id
    tracker = ProgressTracker(sessions, services.catalogs)
    shown: dict[str, list[str]] = {"en": [], "vi": []}
    finals = {locale: asyncio.Event() for locale in shown}
    for locale in shown:
        async def show(reply: Reply, final: bool, locale: str = locale) -> None:
            shown[locale].append(reply.text)
            if final:
                finals[locale].set()
        tracker.follow(broadcast_id, show, locale, interval=0.01)
    await asyncio.gather(*(event.wait() for event in finals.values()))
    await tracker.stop()
    assert shown["en"][-1].startswith(f"Announcement #{broadcast_id}")
    assert shown["vi"][-1].startswith(f"Thông báo #{broadcast_id}")
