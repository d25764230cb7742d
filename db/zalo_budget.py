"""Zalo's real message budget (Zalo's support pages, 2025–2026; see README "Zalo OA"):

- a reply sent within 48 hours of the user's message and quoting that message's id is a free
  "tin phản hồi": up to 8 per user, renewed whenever the user writes again;
- anything else (sent with only the user id, or after that) is a proactive message ("tin chủ
  động"), counted against the OA's monthly quota.

`ReplyBudget` keeps each user's window and what did not fit in it; `ProactiveQuota` counts the
month's proactive messages. Both run inside the caller's transaction; the reservations are single
conditional statements (or a locked row), so two workers never spend the same reply twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ZaloOverflow, ZaloProactiveUsage, ZaloReplyWindow, as_utc, utcnow

FREE_REPLIES = 8
REPLY_WINDOW = dt.timedelta(hours=48)


@dataclass(frozen=True)
class Grant:
    """Free replies granted: how many, the user's message they quote, and whether the user has
    written at all (someone who only followed the OA has no window: greeting them is proactive)."""

    quote: str | None
    granted: int
    ever_wrote: bool = True


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


class ReplyBudget:
    def __init__(self, session: AsyncSession, free_replies: int = FREE_REPLIES) -> None:
        self.session = session
        self.free_replies = free_replies

    async def opened(self, user_id: str, message_id: str, at: dt.datetime) -> None:
        """The user wrote: a new window of free replies quoting `message_id`."""
        statement = _insert(self.session, ZaloReplyWindow.__table__).values(
            user_id=user_id, message_id=message_id, received_at=at, replies_used=0)
        await self.session.execute(statement.on_conflict_do_update(
            index_elements=["user_id"],
            set_={"message_id": message_id, "received_at": at, "replies_used": 0}))

    async def reserve(self, user_id: str, wanted: int, now: dt.datetime | None = None) -> Grant:
        """Take up to `wanted` free replies of the user's window."""
        now = now or utcnow()
        window = (await self.session.execute(
            select(ZaloReplyWindow).where(ZaloReplyWindow.user_id == user_id)
            .with_for_update())).scalar_one_or_none()
        if window is None:
            return Grant(None, 0, ever_wrote=False)
        if now - as_utc(window.received_at) > REPLY_WINDOW:
            return Grant(None, 0)
        granted = max(0, min(wanted, self.free_replies - window.replies_used))
        window.replies_used += granted
        return Grant(window.message_id if granted else None, granted)

    async def left(self, user_id: str, now: dt.datetime | None = None) -> int:
        """Free replies the user's window still holds."""
        now = now or utcnow()
        window = await self.session.get(ZaloReplyWindow, user_id)
        if window is None or now - as_utc(window.received_at) > REPLY_WINDOW:
            return 0
        return max(0, self.free_replies - window.replies_used)

    async def keep_rest(self, user_id: str, messages: list[dict[str, Any]]) -> None:
        """What did not fit: sent when the user asks for more (replaces an older rest)."""
        statement = _insert(self.session, ZaloOverflow.__table__).values(
            user_id=user_id, messages=messages, created_at=utcnow())
        await self.session.execute(statement.on_conflict_do_update(
            index_elements=["user_id"], set_={"messages": messages, "created_at": utcnow()}))

    async def take_rest(self, user_id: str) -> list[dict[str, Any]] | None:
        """The messages kept for the user, removed (None when there are none)."""
        row = (await self.session.execute(
            delete(ZaloOverflow).where(ZaloOverflow.user_id == user_id)
            .returning(ZaloOverflow.messages))).scalar_one_or_none()
        return list(row) if row else None


def month_of(now: dt.datetime, tz: ZoneInfo) -> str:
    """The quota's month, in Vietnam time: '2026-12'."""
    return now.astimezone(tz).strftime("%Y-%m")


class ProactiveQuota:
    def __init__(self, session: AsyncSession, quota: int, tz: ZoneInfo) -> None:
        self.session = session
        self.quota = quota
        self.tz = tz

    async def used(self, now: dt.datetime | None = None) -> int:
        row = await self.session.get(ZaloProactiveUsage, month_of(now or utcnow(), self.tz))
        return row.used if row else 0

    async def left(self, now: dt.datetime | None = None) -> int:
        return max(0, self.quota - await self.used(now))

    async def reserve(self, wanted: int = 1, now: dt.datetime | None = None) -> int:
        """Count up to `wanted` proactive messages against the month's quota; how many fit (0
        when it is used up). The month's row is locked, so two workers never overspend it."""
        month = month_of(now or utcnow(), self.tz)
        await self.session.execute(_insert(self.session, ZaloProactiveUsage.__table__)
                                   .values(month=month, used=0).on_conflict_do_nothing())
        usage = (await self.session.execute(
            select(ZaloProactiveUsage).where(ZaloProactiveUsage.month == month)
            .with_for_update())).scalar_one()
        granted = max(0, min(wanted, self.quota - usage.used))
        usage.used += granted
        return granted

    async def refund(self, now: dt.datetime | None = None) -> None:
        """A reserved message did not go out after all."""
        await self.session.execute(
            update(ZaloProactiveUsage)
            .where(ZaloProactiveUsage.month == month_of(now or utcnow(), self.tz),
                   ZaloProactiveUsage.used > 0)
            .values(used=ZaloProactiveUsage.used - 1))
