"""Announcements delivered locally (db.models.LocalDelivery): recorded by the local platform,
shown by the console session of the person they were for, listed for the demo sink."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.broadcasts.formatting import BroadcastMessage
from db.models import Clock, LocalDelivery, utcnow


class LocalDeliveries:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock

    async def record(self, channel: str, chat_id: str, message: BroadcastMessage) -> None:
        self.session.add(LocalDelivery(channel=channel, chat_id=chat_id,
                                       message=dataclasses.asdict(message),
                                       delivered_at=self.clock()))
        await self.session.flush()

    async def take_unshown(self, channel: str, chat_id: str) -> list[BroadcastMessage]:
        """What was delivered to this chat and not shown yet, oldest first; marked shown."""
        rows = (await self.session.execute(
            select(LocalDelivery).where(LocalDelivery.channel == channel,
                                        LocalDelivery.chat_id == chat_id,
                                        LocalDelivery.shown_at.is_(None))
            .order_by(LocalDelivery.id))).scalars().all()
        if rows:
            await self.session.execute(
                update(LocalDelivery).where(LocalDelivery.id.in_([row.id for row in rows]))
                .values(shown_at=self.clock()).execution_options(synchronize_session=False))
        return [BroadcastMessage(**row.message) for row in rows]

    async def recent(self, channel: str, limit: int) -> Sequence[LocalDelivery]:
        """The latest deliveries on the channel, newest first."""
        return (await self.session.execute(
            select(LocalDelivery).where(LocalDelivery.channel == channel)
            .order_by(LocalDelivery.id.desc()).limit(limit))).scalars().all()

    async def forget_chat(self, channel: str, chat_id: str) -> None:
        """Part of /xoadulieu: what was delivered to this person goes with them."""
        await self.session.execute(delete(LocalDelivery).where(
            LocalDelivery.channel == channel, LocalDelivery.chat_id == chat_id))

    async def purge_older_than(self, cutoff: dt.datetime) -> int:
        result = await self.session.execute(
            delete(LocalDelivery).where(LocalDelivery.delivered_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
