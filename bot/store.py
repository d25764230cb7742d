"""The database alone, migrated and ready: for the commands that read and write records but never
answer a question (teams, users, console links, broadcasts, demo data). They skip the content and
the matcher, which take seconds to build, so they start in a fraction of a second."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from db.engine import create_engine, session_factory
from db.migrate import upgrade


@dataclass
class Store:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


@asynccontextmanager
async def open_store(settings: Settings, *, migrate: bool = True) -> AsyncIterator[Store]:
    """The migrated database's engine and sessions; disposed of on exit."""
    if migrate:
        await upgrade(settings.database_url)
    engine = create_engine(settings.database_url, settings.database_pool_size)
    try:
        yield Store(settings, engine, session_factory(engine))
    finally:
        await engine.dispose()
