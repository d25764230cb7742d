"""Delivery without a messaging platform, for a bot run with no tokens: console users and the
demo subscribers of `cdsbot demo-data` get their announcements recorded in the database
(db.local_deliveries), never sent anywhere. A console session shows its user's as they arrive;
`cdsbot broadcast sink` lists what demo subscribers received. So an officer can rehearse a whole
broadcast locally and watch it go."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.outcome import SENT, Outcome
from db.broadcasts.formatting import BroadcastMessage
from db.local_deliveries import LocalDeliveries

LOCAL_CHANNELS = ("console", "demo")
"""The channels a bot with no platform configured delivers to, in order of preference."""
LOCAL_RATE = 200.0
"""Messages per second: a database insert each, no platform limit to respect."""


class LocalPlatform:
    def __init__(self, name: str, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.name = name
        self.sessions = sessions

    async def start(self) -> None:
        """Nothing to connect to."""

    async def close(self) -> None:
        """Nothing to close."""

    async def deliver(self, chat_id: str, message: BroadcastMessage) -> Outcome:
        async with self.sessions() as session, session.begin():
            await LocalDeliveries(session).record(self.name, chat_id, message)
        return SENT
