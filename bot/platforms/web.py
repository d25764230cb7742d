"""Announcements to web chat visitors: stored in the visitor's conversation (bot/channels/web.py),
shown at once in an open panel, or with the unread badge when the visitor comes back. Works from
any process: a web worker's streams find events stored elsewhere by their poll."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.outcome import SENT, Outcome
from bot.channels.web_hub import WebEventHub
from db.broadcasts.formatting import BroadcastMessage, to_plain
from db.web_chat import NOTICE, NewEvent, Stored, WebEventLog

WEB_RATE = 200.0
"""Messages per second: a database insert each, no platform limit to respect."""


def notice_event(message: BroadcastMessage) -> dict[str, Any]:
    body: dict[str, Any] = {"text": to_plain(message.text)}
    if message.image_url:
        body["image"] = message.image_url
    if message.link_url:
        body["buttons"] = [{"label": message.link_label or message.link_url,
                            "url": message.link_url}]
    return body


async def deliver_notice(session: AsyncSession, visitor_id: str,
                         message: BroadcastMessage) -> Stored | None:
    """An announcement into the visitor's current conversation, or None when the visitor is
    gone."""
    return await WebEventLog(session).append_for(visitor_id,
                                                 [NewEvent(NOTICE, notice_event(message))])


class WebPlatform:
    name = "web"

    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 hub: WebEventHub | None = None) -> None:
        self.sessions = sessions
        self.hub = hub
        """This process's streams, woken at once (another process's find the event by polling)."""

    async def start(self) -> None:
        """Nothing to connect to."""

    async def close(self) -> None:
        """Nothing to close."""

    async def deliver(self, chat_id: str, message: BroadcastMessage) -> Outcome:
        async with self.sessions() as session, session.begin():
            stored = await deliver_notice(session, chat_id, message)
        if stored is None:
            return Outcome("blocked", "the web visitor's data was deleted")
        if self.hub is not None:
            self.hub.stored(stored.conversation_id, stored.events)
        return SENT
