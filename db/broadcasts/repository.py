"""The broadcasts a handler works with, in the caller's transaction: one object on the handler's
context (handlers/context.py) over this package's functions, which the worker and the command
line call directly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db.broadcasts import control, reporting
from db.broadcasts.audience import AudienceRules, Sender, count_reachable
from db.broadcasts.outbox import Link, create_in_session
from db.models import Broadcast
from db.zalo_budget import ProactiveQuota


class BroadcastRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def reach(self, filters: Sequence[str], now: dt.datetime, rules: AudienceRules,
                    sender: Sender) -> dict[str, int]:
        """How many people the filters reach on each channel now, within the sender's area."""
        return await count_reachable(self.session, filters, now, rules, sender=sender)

    async def create(self, *, text: str, image_url: str | None, link: Link | None,
                     filters: Sequence[str], at: dt.datetime | None, created_by: int,
                     rules: AudienceRules, now: dt.datetime, sender: Sender,
                     submit_key: str | None = None) -> tuple[int, int]:
        """A broadcast and its delivery rows: (its id, how many people it reaches)."""
        return await create_in_session(self.session, text=text, image_url=image_url, link=link,
                                       filters=filters, at=at, created_by=created_by, rules=rules,
                                       now=now, sender=sender, submit_key=submit_key)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        return await self.session.get(Broadcast, broadcast_id)

    async def pause(self, broadcast_id: int) -> None:
        await control.pause(self.session, broadcast_id)
        await self.session.flush()

    async def resume(self, broadcast_id: int, now: dt.datetime) -> None:
        await control.resume(self.session, broadcast_id, now)
        await self.session.flush()

    async def cancel(self, broadcast_id: int, now: dt.datetime) -> None:
        await control.cancel(self.session, broadcast_id, now)
        await self.session.flush()

    async def retry_failed(self, broadcast_id: int, now: dt.datetime) -> int:
        count = await control.retry_failed(self.session, broadcast_id, now)
        await self.session.flush()
        return count

    async def status(self, broadcast_id: int) -> dict[str, Any] | None:
        return await reporting.status(self.session, broadcast_id)

    async def failures_csv(self, broadcast_id: int, path: Path, **labels: Any) -> int:
        """See reporting.failures_csv (`header`, `states`)."""
        return await reporting.failures_csv(self.session, broadcast_id, path, **labels)

    async def proactive_left(self, quota: int, tz: ZoneInfo, now: dt.datetime) -> int:
        """Zalo proactive messages left this month of `quota`."""
        return await ProactiveQuota(self.session, quota, tz).left(now)
