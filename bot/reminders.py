"""Planning the automatic reminders (handlers/reminders.py) once an hour: each is created once
as a broadcast, and the broadcast workers send it."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.context import Services
from handlers.reminders import create_due

log = logging.getLogger(__name__)
CHECK_EVERY = dt.timedelta(hours=1)


async def plan_once(services: Services, sessions: async_sessionmaker[AsyncSession],
                    lead_days: int, now: dt.datetime | None = None) -> list[int]:
    now = now or dt.datetime.now(dt.UTC)
    today = now.astimezone(services.timezone).date()
    t = services.catalogs.translator(services.catalogs.default_locale)
    async with sessions() as session, session.begin():
        return await create_due(session, services.content, t, now, today, lead_days,
                                services.broadcast_rules)


async def run_planner(services: Services, sessions: async_sessionmaker[AsyncSession],
                      lead_days: int, stop: asyncio.Event) -> None:
    """Plan now, then once an hour, until `stop` is set."""
    while not stop.is_set():
        try:
            created = await plan_once(services, sessions, lead_days)
            if created:
                log.info("created reminder broadcasts %s", created)
        except Exception:
            log.exception("planning reminders failed; trying again in an hour")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), CHECK_EVERY.total_seconds())
