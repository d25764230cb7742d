"""One connection per messaging platform and process: Telegram's Bot, Zalo's client with its
token manager. Conversation replies (bot/channels), broadcasts and reminders (bot/broadcast)
all send through the same object, so a process holds one connection pool and one token pair
per platform.

`configured_platforms(settings, sessions)` makes those the settings configure (with none, the local
ones of bot/platforms/local.py, which only record); `opened(…)` starts them and closes them on exit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.web_hub import WebEventHub
from bot.platforms.local import LOCAL_CHANNELS, LocalPlatform
from bot.platforms.telegram import TelegramPlatform
from bot.platforms.web import WebPlatform
from bot.platforms.zalo import ZaloPlatform
from bot.settings import Settings

Platforms = dict[str, TelegramPlatform | ZaloPlatform | LocalPlatform | WebPlatform]


def configured_platforms(settings: Settings, sessions: async_sessionmaker[AsyncSession],
                         web_hub: WebEventHub | None = None) -> Platforms:
    """A platform object for each one the settings configure, not started yet; with none, the
    local ones (a rehearsal: nothing leaves this machine). The web chat always: it is this
    bot's own (`web_hub`: the process's open streams, woken at once)."""
    platforms: Platforms = {}
    if settings.local_only:
        platforms.update({name: LocalPlatform(name, sessions) for name in LOCAL_CHANNELS})
    if settings.telegram_enabled:
        platforms[TelegramPlatform.name] = TelegramPlatform(settings)
    if settings.zalo_enabled:
        platforms[ZaloPlatform.name] = ZaloPlatform(settings, sessions)
    platforms[WebPlatform.name] = WebPlatform(sessions, web_hub)
    return platforms


@asynccontextmanager
async def opened(platforms: Platforms) -> AsyncIterator[Platforms]:
    """The platforms, started; every one closed on exit (also when starting one failed)."""
    try:
        for platform in platforms.values():
            await platform.start()
        yield platforms
    finally:
        for platform in reversed(platforms.values()):
            await platform.close()
