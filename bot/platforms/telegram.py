"""Telegram: one python-telegram-bot Bot per process, on our aiohttp transport.

Conversation replies go through PTB's AIORateLimiter (this process's pace and Telegram's per-chat
limits, retrying a 429 itself); broadcast messages pass it by, because the worker's RateGate
paces them for every process at once and a 429 must reach the worker as an outcome.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ExtBot
from telegram.warnings import PTBDeprecationWarning

from bot.broadcast.outcome import SENT, Outcome
from bot.channels.telegram_http import AiohttpRequest
from bot.settings import Settings
from content.errors import Unreachable
from db.broadcasts.formatting import BroadcastMessage, to_telegram_html

PACED_BY_WORKER = -1
"""`rate_limit_args` of a broadcast send: the limiter lets it through untouched."""


class TelegramUnreachable(Unreachable):
    """Telegram's 403: the person blocked the bot, or the account is deactivated."""


class ReplyRateLimiter(AIORateLimiter):
    """AIORateLimiter for conversation replies; broadcast sends (PACED_BY_WORKER) pass by."""

    async def process_request(self, callback: Any, args: Any, kwargs: dict[str, Any],
                              endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> Any:
        if rate_limit_args == PACED_BY_WORKER:
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data,
                                             rate_limit_args)


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the int will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def link_markup(message: BroadcastMessage) -> InlineKeyboardMarkup | None:
    if not message.link_url:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(message.link_label or message.link_url,
                                                       url=message.link_url)]])


class TelegramPlatform:
    name = "telegram"

    def __init__(self, settings: Settings) -> None:
        assert settings.telegram_bot_token is not None
        # Telegram accepts about 30 messages/s: 32 connections are plenty. getUpdates long-polls
        # on its own connection, apart from the replies.
        self._requests = (AiohttpRequest(settings.telegram_connection_pool_size),
                          AiohttpRequest(connection_pool_size=1))
        self.bot: ExtBot[int] = ExtBot(
            settings.telegram_bot_token.get_secret_value(),
            base_url=settings.telegram_api_base_url,
            base_file_url=settings.telegram_file_base_url,
            request=self._requests[0], get_updates_request=self._requests[1],
            rate_limiter=ReplyRateLimiter(overall_max_rate=settings.telegram_max_rate,
                                          max_retries=settings.telegram_max_retries))
        self._rendered: dict[BroadcastMessage, tuple[str, InlineKeyboardMarkup | None]] = {}

    async def start(self) -> None:
        await self.bot.initialize()  # a no-op when the channel's Application did it already

    async def close(self) -> None:
        await self.bot.shutdown()
        for request in self._requests:  # also when initialize() failed half-way
            await request.shutdown()

    def _render(self, message: BroadcastMessage) -> tuple[str, InlineKeyboardMarkup | None]:
        rendered = self._rendered.get(message)
        if rendered is None:
            rendered = self._rendered[message] = (to_telegram_html(message.text),
                                                  link_markup(message))
        return rendered

    async def deliver(self, chat_id: str, message: BroadcastMessage) -> Outcome:
        """One broadcast message; what came of it, never an exception for Telegram's answers."""
        text, markup = self._render(message)
        try:
            if message.image_url:
                await self.bot.send_photo(chat_id, message.image_url, caption=text,
                                          parse_mode=ParseMode.HTML, reply_markup=markup,
                                          rate_limit_args=PACED_BY_WORKER)
            else:
                await self.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML,
                                            reply_markup=markup, rate_limit_args=PACED_BY_WORKER)
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
