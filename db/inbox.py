"""The inbox of accepted platform messages and the outbox of their replies (they never commit).

A message is stored before the platform hears "received"; its handling marks it taken and records
the replies in the same transaction; the replies are marked sent once the platform has them. So
a crash at any point loses nothing: pending messages are handled on restart, unsent replies sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import InboxEntry, OutboxReply, utcnow

PENDING, HANDLED, THROTTLED, FAILED = "pending", "handled", "throttled", "failed"

_INBOX: Table = InboxEntry.__table__  # type: ignore[assignment]
_ACCEPT = {
    "postgresql": postgresql.insert(_INBOX).on_conflict_do_nothing().returning(_INBOX.c.id),
    "sqlite": sqlite.insert(_INBOX).on_conflict_do_nothing().returning(_INBOX.c.id),
}
_TAKE = (update(InboxEntry).where(InboxEntry.id == bindparam("entry_id"),
                                  InboxEntry.state == PENDING)
         .values(state=bindparam("state")).execution_options(synchronize_session=False))
_RECORD = OutboxReply.__table__.insert()  # type: ignore[attr-defined]
_MARK_SENT = (update(OutboxReply).where(OutboxReply.inbox_id == bindparam("entry_id"),
                                        OutboxReply.sent_at.is_(None))
              .values(sent_at=bindparam("now")).execution_options(synchronize_session=False))


class Inbox:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def accept(self, channel: str, update_id: str, user_id: str,
                     message: dict[str, Any], state: str = PENDING) -> int | None:
        """Store a message; its id, or None when this update was stored before (a redelivery)."""
        statement = _ACCEPT[self.session.get_bind().dialect.name]
        result = await self.session.execute(statement, {
            "channel": channel, "update_id": update_id, "user_id": user_id, "message": message,
            "state": state, "received_at": utcnow()})
        return result.scalar_one_or_none()

    async def take(self, entry_id: int, state: str = HANDLED) -> bool:
        """Mark a pending message handled (or throttled, failed); False when it was not pending:
        another worker has it. On PostgreSQL the row lock makes a second taker wait for the
        first's commit, so a message is handled once."""
        result = await self.session.execute(_TAKE, {"entry_id": entry_id, "state": state})
        return bool(getattr(result, "rowcount", 0))

    async def pending(self, channel: str, received_before: dt.datetime,
                      limit: int = 1000) -> Sequence[InboxEntry]:
        """Messages accepted but never handled (their worker stopped), oldest first."""
        statement = (select(InboxEntry).where(InboxEntry.state == PENDING,
                                              InboxEntry.channel == channel,
                                              InboxEntry.received_at < received_before)
                     .order_by(InboxEntry.id).limit(limit))
        return (await self.session.execute(statement)).scalars().all()

    async def forget_user(self, channel: str, user_id: str) -> None:
        """Drop what a person wrote (see-and-delete-my-data); the ids stay for the dedupe."""
        await self.session.execute(
            update(InboxEntry).where(InboxEntry.channel == channel, InboxEntry.user_id == user_id,
                                     InboxEntry.state != PENDING)
            .values(message={}, user_id="").execution_options(synchronize_session=False))
        await self.session.execute(
            delete(OutboxReply).where(OutboxReply.channel == channel,
                                      OutboxReply.chat_id == user_id,
                                      OutboxReply.sent_at.is_not(None)))

    async def purge_older_than(self, cutoff: dt.datetime) -> int:
        result = await self.session.execute(delete(InboxEntry).where(InboxEntry.received_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)


class ReplyOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, entry_id: int, channel: str, replies: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Record (chat id, reply) pairs answering a message, in order, as claimed by us."""
        now = utcnow()
        if replies:
            await self.session.execute(_RECORD, [
                {"inbox_id": entry_id, "channel": channel, "chat_id": chat_id, "reply": reply,
                 "created_at": now, "claimed_at": now, "attempts": 1, "sent_at": None}
                for chat_id, reply in replies])

    async def mark_sent(self, entry_id: int) -> None:
        await self.session.execute(_MARK_SENT, {"entry_id": entry_id, "now": utcnow()})

    async def claim_unsent(self, channel: str, claimed_before: dt.datetime,
                           max_attempts: int, limit: int = 1000) -> dict[int, list[OutboxReply]]:
        """Take unsent replies whose sender stopped (claimed before the cutoff), by message, in
        order; replies tried `max_attempts` times are left (and purged with the rest)."""
        rows = (await self.session.execute(
            select(OutboxReply).where(OutboxReply.sent_at.is_(None), OutboxReply.channel == channel,
                                      OutboxReply.claimed_at < claimed_before,
                                      OutboxReply.attempts < max_attempts)
            .order_by(OutboxReply.id).limit(limit).with_for_update(skip_locked=True))).scalars().all()
        now = utcnow()
        taken: dict[int, list[OutboxReply]] = {}
        for row in rows:
            row.claimed_at, row.attempts = now, row.attempts + 1
            taken.setdefault(row.inbox_id, []).append(row)
        return taken

    async def purge_older_than(self, cutoff: dt.datetime) -> int:
        result = await self.session.execute(delete(OutboxReply).where(OutboxReply.created_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
