"""Sending one broadcast message to one chat, on Telegram or Zalo, and saying what came of it.

Outcomes (`Outcome.kind`):
- sent;
- blocked: the person blocked the bot or cannot be messaged (Telegram 403: blocked, deactivated;
  Zalo -213, -227, -230, -232, -244); never retried, and the identity is marked unreachable;
- wait: the platform asked us to slow down (Telegram 429 with retry_after, Zalo -32, Zalo -234 at
  night): the channel pauses that long and the message is retried; not a failure;
- retry: a network error, a time-out or a 5xx; retried with back-off up to a number of attempts;
- quota: Zalo's monthly proactive quota (ZALO_PROACTIVE_QUOTA, or Zalo's -211/-224) is used up:
  the broadcast is paused with an alert and the row handed back, so nothing is lost;
- failed: anything else (a 400); not retried.

Rate limiting is not done here: the worker's RateGate decides when each send may start, for
every worker process at once (python-telegram-bot's AIORateLimiter is per process).
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram_http import AiohttpRequest
from bot.channels.zalo_client import (
    RATE_LIMITED,
    ZaloClient,
    ZaloError,
    ZaloQuotaExceeded,
    ZaloTokens,
    ZaloUnreachable,
)
from bot.settings import Settings
from db.broadcasts.formatting import BroadcastMessage, to_plain, to_telegram_html
from db.models import utcnow
from db.zalo_budget import ProactiveQuota

log = logging.getLogger(__name__)

ZALO_RATE_PAUSE = 5.0
"""Seconds the Zalo channel pauses after -32: Zalo does not say how long (its limit is per
minute), and its client has already retried once with back-off."""
ZALO_NIGHT = -234
ZALO_NETWORK = -1
"""The Zalo client's code for a network error or a 5xx."""
ZALO_BUTTON_TITLE = 100


@dataclass(frozen=True)
class Outcome:
    kind: str
    error: str | None = None
    wait_seconds: float = 0.0


SENT = Outcome("sent")


class Sender(Protocol):
    channel: str

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def send(self, chat_id: str, message: BroadcastMessage) -> Outcome: ...


# -- Telegram ---------------------------------------------------------------------------------

def telegram_markup(message: BroadcastMessage) -> InlineKeyboardMarkup | None:
    if not message.link_url:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(message.link_label or message.link_url,
                                                       url=message.link_url)]])


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the int will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class TelegramSender:
    """python-telegram-bot's Bot on our aiohttp transport, without its per-process limiter."""

    channel = "telegram"

    def __init__(self, settings: Settings) -> None:
        assert settings.telegram_bot_token is not None
        self.bot = Bot(settings.telegram_bot_token.get_secret_value(),
                       base_url=settings.telegram_api_base_url,
                       base_file_url=settings.telegram_file_base_url,
                       request=AiohttpRequest(settings.telegram_connection_pool_size))
        self._rendered: dict[BroadcastMessage, tuple[str, InlineKeyboardMarkup | None]] = {}

    async def start(self) -> None:
        await self.bot.initialize()

    async def close(self) -> None:
        await self.bot.shutdown()

    def _render(self, message: BroadcastMessage) -> tuple[str, InlineKeyboardMarkup | None]:
        rendered = self._rendered.get(message)
        if rendered is None:
            rendered = self._rendered[message] = (to_telegram_html(message.text),
                                                  telegram_markup(message))
        return rendered

    async def send(self, chat_id: str, message: BroadcastMessage) -> Outcome:
        text, markup = self._render(message)
        try:
            if message.image_url:
                await self.bot.send_photo(chat_id, message.image_url, caption=text,
                                          parse_mode=ParseMode.HTML, reply_markup=markup)
            else:
                await self.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML,
                                            reply_markup=markup)
        except RetryAfter as error:
            return Outcome("wait", str(error), retry_after_seconds(error))
        except Forbidden as error:  # blocked by the user, or the account is deactivated
            return Outcome("blocked", str(error))
        except BadRequest as error:  # a NetworkError subclass, but a request that cannot succeed
            return Outcome("failed", str(error))
        except NetworkError as error:  # time-outs, transport errors, 5xx
            return Outcome("retry", str(error))
        except TelegramError as error:
            return Outcome("failed", str(error))
        return SENT


# -- Zalo -------------------------------------------------------------------------------------

def zalo_message(message: BroadcastMessage) -> dict[str, Any]:
    """OA API v3 message: plain text, an image as a media template, the link as a button."""
    body: dict[str, Any] = {"text": to_plain(message.text)}
    payload: dict[str, Any] = {}
    if message.image_url:
        payload = {"template_type": "media",
                   "elements": [{"media_type": "image", "url": message.image_url}]}
    if message.link_url:
        payload["buttons"] = [{"title": (message.link_label or message.link_url)[:ZALO_BUTTON_TITLE],
                               "type": "oa.open.url", "payload": {"url": message.link_url}}]
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


class ZaloSender:
    """Consultation messages through the OA client, with the token pair kept in the database.

    The client retries once itself (a -32 or a network error after a short back-off; an expired
    token after refreshing it); what still fails comes back here as an outcome."""

    channel = "zalo"

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        assert settings.zalo_app_id and settings.zalo_app_secret
        self.settings = settings
        self.sessions = sessions
        self.http: aiohttp.ClientSession | None = None
        self.client: ZaloClient | None = None

    async def start(self) -> None:
        settings = self.settings
        assert settings.zalo_app_id and settings.zalo_app_secret
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        tokens = ZaloTokens(self.sessions, self.http, settings.zalo_oauth_base_url,
                            settings.zalo_app_id, settings.zalo_app_secret.get_secret_value())
        await tokens.seed(
            settings.zalo_access_token.get_secret_value() if settings.zalo_access_token else None,
            settings.zalo_refresh_token.get_secret_value() if settings.zalo_refresh_token else None)
        self.client = ZaloClient(self.http, tokens, settings.zalo_api_base_url, max_retries=1)

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()

    async def send(self, chat_id: str, message: BroadcastMessage) -> Outcome:
        """A broadcast message is proactive ("tin chủ động"): counted against the month's quota
        before it goes, given back if it does not."""
        assert self.client is not None
        async with self.sessions() as session, session.begin():
            if not await self._quota(session).reserve():
                return Outcome("quota", f"the month's {self.settings.zalo_proactive_quota} "
                                        "proactive Zalo messages are used up")
        try:
            await self.client.send(chat_id, zalo_message(message))
        except ZaloError as error:
            async with self.sessions() as session, session.begin():
                await self._quota(session).refund()
            if isinstance(error, ZaloUnreachable):
                return Outcome("blocked", str(error))
            if isinstance(error, ZaloQuotaExceeded):
                return Outcome("quota", str(error))
            return self._outcome(error)
        return SENT

    def _quota(self, session: AsyncSession) -> ProactiveQuota:
        return ProactiveQuota(session, self.settings.zalo_proactive_quota, self.settings.tz)

    def _outcome(self, error: ZaloError) -> Outcome:
        if error.code == RATE_LIMITED:
            return Outcome("wait", str(error), ZALO_RATE_PAUSE)
        if error.code == ZALO_NIGHT:  # no promotion-type messages at night: wait for morning
            seconds = seconds_until_quiet_end(self.settings.zalo_quiet_hours, self.settings.tz,
                                              utcnow())
            return Outcome("wait", str(error), seconds)
        if error.code == ZALO_NETWORK:
            return Outcome("retry", str(error))
        return Outcome("failed", str(error))



def build_senders(settings: Settings,
                  sessions: async_sessionmaker[AsyncSession]) -> dict[str, Sender]:
    """A sender for each channel configured in the settings."""
    senders: dict[str, Sender] = {}
    if settings.telegram_enabled:
        senders["telegram"] = TelegramSender(settings)
    if settings.zalo_enabled:
        senders["zalo"] = ZaloSender(settings, sessions)
    return senders
