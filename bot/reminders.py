"""Planning the automatic reminders (handlers/reminders.py) once an hour: each is created once
as a broadcast, and the broadcast workers send it."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.lane import QUOTA_ALERT_CODE
from db.channel_state import AlertRepository
from db.models import Delivery
from db.zalo_budget import ProactiveQuota
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
        created = await create_due(session, services.content, t, now, today, lead_days,
                                   services.broadcast_rules)
        if created and services.zalo_proactive_quota is not None:
            await _check_quota(session, created, services.zalo_proactive_quota, services, now)
        return created


async def _check_quota(session: AsyncSession, created: list[int], quota: int,
                       services: Services, now: dt.datetime) -> None:
    """Reminders on Zalo are proactive messages: say how many against the month's quota left,
    and alert officers (/canhbao) before sending when they will not all fit."""
    left = await ProactiveQuota(session, quota, services.timezone).left(now)
    for broadcast_id in created:
        count = int((await session.execute(
            select(func.count()).select_from(Delivery).where(
                Delivery.broadcast_id == broadcast_id, Delivery.channel == "zalo"))).scalar_one())
        if not count:
            continue
        log.info("reminder broadcast %s: %d proactive Zalo messages; %d of %d left this month",
                 broadcast_id, count, left, quota)
        if count > left:
            await AlertRepository(session).add(
                "zalo", QUOTA_ALERT_CODE,
                f"reminder broadcast #{broadcast_id} needs {count} proactive messages but only "
                f"{left} of the month's {quota} are left: it will pause when they are used up")
        left = max(0, left - count)


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
