"""Zalo: one OA API client per process, with one token manager (the pair is kept in the database).

The conversation channel (bot/channels/zalo.py) sends free replies through `client`; broadcasts
and reminders are proactive messages, sent by `deliver` within the month's quota. The client
retries once itself (a -32 or a network error after a short back-off; an expired token after
refreshing it); what still fails comes back to the broadcast worker as an outcome.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.outcome import SENT, Outcome
from bot.channels.zalo_client import ZaloClient, ZaloError, ZaloTokens
from bot.channels.zalo_outgoing import button_json
from bot.settings import Settings
from content.errors import PlatformUnavailable, QuotaExceeded, RateLimited, Unreachable
from db.broadcasts.formatting import BroadcastMessage, to_plain
from db.models import utcnow
from db.zalo_budget import ProactiveQuota
from handlers.messages import Attachment, Button

ZALO_RATE_PAUSE = 5.0
"""Seconds a broadcast pauses after -32: Zalo does not say how long (its limit is per minute),
and the client has already retried once with back-off."""
ZALO_NIGHT = -234
"""No promotion-type messages at night."""
BROADCAST_RETRIES = 1
"""A broadcast retries in the worker, with its own back-off: the client tries once more only."""


def broadcast_body(message: BroadcastMessage) -> dict[str, Any]:
    """OA API v3 message: plain text, an image as a media template, the link as a button."""
    body: dict[str, Any] = {"text": to_plain(message.text)}
    payload: dict[str, Any] = {}
    if message.image_url:
        payload = {"template_type": "media",
                   "elements": [{"media_type": "image", "url": message.image_url}]}
    if message.link_url:
        payload["buttons"] = [button_json(Button(message.link_label or message.link_url,
                                                 url=message.link_url))]
    if payload:
        body["attachment"] = {"type": "template", "payload": payload}
    return body


def seconds_until_quiet_end(quiet_hours: str, tz: ZoneInfo, now: dt.datetime) -> float:
    """Seconds from `now` to the end of the quiet hours ("22:00-06:00", local time)."""
    end_text = quiet_hours.partition("-")[2].strip() or "06:00"
    end = dt.time.fromisoformat(end_text)
    local = now.astimezone(tz)
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if ends <= local:
        ends += dt.timedelta(days=1)
    return (ends - local).total_seconds()


class ZaloPlatform:
    name = "zalo"

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        assert settings.zalo_app_id and settings.zalo_app_secret
        self.settings = settings
        self.sessions = sessions
        self.http: aiohttp.ClientSession | None = None
        self.tokens: ZaloTokens | None = None
        self._client: ZaloClient | None = None

    @property
    def client(self) -> ZaloClient:
        assert self._client is not None, "ZaloPlatform.start() first"
        return self._client

    async def start(self) -> None:
        if self._client is not None:
            return
        settings = self.settings
        assert settings.zalo_app_id and settings.zalo_app_secret
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        self.tokens = tokens = ZaloTokens(self.sessions, self.http, settings.zalo_oauth_base_url,
                                          settings.zalo_app_id,
                                          settings.zalo_app_secret.get_secret_value())
        await tokens.seed(
            settings.zalo_access_token.get_secret_value() if settings.zalo_access_token else None,
            settings.zalo_refresh_token.get_secret_value() if settings.zalo_refresh_token else None)
        self._client = ZaloClient(self.http, tokens, settings.zalo_api_base_url,
                                  max_retries=settings.zalo_max_retries)

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()
        self.http = self.tokens = self._client = None

    async def attachment_message(self, attachment: Attachment) -> dict[str, Any]:
        """Upload the file, then a message that shows it (an image inline, a document as a file)."""
        if attachment.kind == "image":
            attachment_id = await self.client.upload("image", attachment.path, attachment.filename)
            message: dict[str, Any] = {"attachment": {"type": "template", "payload": {
                "template_type": "media",
                "elements": [{"media_type": "image", "attachment_id": attachment_id}]}}}
            if attachment.caption:
                message["text"] = attachment.caption
            return message
        token = await self.client.upload("file", attachment.path, attachment.filename)
        return {"attachment": {"type": "file", "payload": {"token": token}}}

    async def deliver(self, chat_id: str, message: BroadcastMessage) -> Outcome:
        """A broadcast message is proactive ("tin chủ động"): counted against the month's quota
        before it goes, given back if it does not."""
        async with self.sessions() as session, session.begin():
            if not await self._quota(session).reserve():
                return Outcome("quota", f"the month's {self.settings.zalo_proactive_quota} "
                                        "proactive Zalo messages are used up")
        try:
            await self.client.send(chat_id, broadcast_body(message), retries=BROADCAST_RETRIES)
        except ZaloError as error:
            async with self.sessions() as session, session.begin():
                await self._quota(session).refund()
            return self._outcome(error)
        return SENT

    def _quota(self, session: AsyncSession) -> ProactiveQuota:
        return ProactiveQuota(session, self.settings.zalo_proactive_quota, self.settings.tz)

    def _outcome(self, error: ZaloError) -> Outcome:
        if isinstance(error, Unreachable):
            return Outcome("blocked", str(error))
        if isinstance(error, QuotaExceeded):
            return Outcome("quota", str(error))
        if isinstance(error, RateLimited):
            return Outcome("wait", str(error), ZALO_RATE_PAUSE)
        if error.code == ZALO_NIGHT:  # no promotion-type messages at night: wait for morning
            seconds = seconds_until_quiet_end(self.settings.zalo_quiet_hours, self.settings.tz,
                                              utcnow())
            return Outcome("wait", str(error), seconds)
        if isinstance(error, PlatformUnavailable):
            return Outcome("retry", str(error))
        return Outcome("failed", str(error))
