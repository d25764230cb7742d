"""A broadcast's state changes: officers pause, resume and cancel; workers start the scheduled
ones when their time comes and close the ones with nothing left to send.

Every change is one conditional UPDATE, so any number of workers may run these at once and each
change happens once. None of them commits (the caller's transaction does).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.broadcasts.outbox import OPEN, utc
from db.models import Broadcast, Delivery, as_utc

CANCELLABLE = ("draft", "scheduled", "sending", "paused")


async def cancel(session: AsyncSession, broadcast_id: int, now: dt.datetime | None = None) -> bool:
    """Cancel a broadcast that has not finished: its unsent rows become cancelled at once (a
    message already in flight is still recorded as sent). False if it had already finished."""
    now = utc(now)
    changed = await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.state.in_(CANCELLABLE))
        .values(state="cancelled", finished_at=now).returning(Broadcast.id))
    if changed.first() is None:
        return False
    await session.execute(update(Delivery).where(Delivery.broadcast_id == broadcast_id, OPEN)
                          .values(state="cancelled", claimed_by=None, lease_until=None))
    return True


async def pause(session: AsyncSession, broadcast_id: int) -> bool:
    """Stop sending a scheduled or sending broadcast until it is resumed; workers hand back the
    rows they hold (messages in flight still go out)."""
    changed = await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id,
                                Broadcast.state.in_(("scheduled", "sending")))
        .values(state="paused").returning(Broadcast.id))
    return changed.first() is not None


async def resume(session: AsyncSession, broadcast_id: int, now: dt.datetime | None = None) -> bool:
    """Resume a paused broadcast: sending again, or scheduled if its time has not come."""
    now = utc(now)
    broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True,
                                  populate_existing=True)
    if broadcast is None or broadcast.state != "paused":
        return False
    if broadcast.scheduled_at is not None and as_utc(broadcast.scheduled_at) > now:
        broadcast.state = "scheduled"
    else:
        broadcast.state = "sending"
        broadcast.started_at = broadcast.started_at or now
    return True


RETRYABLE = ("sending", "paused", "done")


async def retry_failed(session: AsyncSession, broadcast_id: int,
                       now: dt.datetime | None = None) -> int:
    """Send again to the failed deliveries only, never to anyone it reached or who blocked the
    bot: they become pending, due now, and a finished broadcast is sending again; how many.
    A cancelled broadcast stays cancelled (the officer stopped it)."""
    now = utc(now)
    broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True,
                                  populate_existing=True)
    if broadcast is None or broadcast.state not in RETRYABLE:
        return 0
    retried = await session.execute(
        update(Delivery).where(Delivery.broadcast_id == broadcast_id, Delivery.state == "failed")
        .values(state="pending", attempts=0, next_attempt_at=now, error=None, claimed_by=None,
                lease_until=None))
    count = int(retried.rowcount)  # type: ignore[attr-defined]
    if count and broadcast.state == "done":
        broadcast.state, broadcast.finished_at = "sending", None
    return count


async def start_due(session: AsyncSession, now: dt.datetime | None = None) -> list[int]:
    """Scheduled broadcasts whose time has come start sending; their ids."""
    now = utc(now)
    started = await session.execute(
        update(Broadcast).where(Broadcast.state == "scheduled", Broadcast.scheduled_at <= now)
        .values(state="sending", started_at=now).returning(Broadcast.id))
    return list(started.scalars())


async def finish_done(session: AsyncSession, now: dt.datetime | None = None) -> list[int]:
    """Sending broadcasts with no row left to send are done; their ids."""
    now = utc(now)
    open_rows = exists().where(Delivery.broadcast_id == Broadcast.id, OPEN)
    finished = await session.execute(
        update(Broadcast).where(Broadcast.state == "sending", ~open_rows)
        .values(state="done", finished_at=now).returning(Broadcast.id))
    return list(finished.scalars())


async def sending_ids(session: AsyncSession) -> list[int]:
    """The broadcasts being sent now, oldest first."""
    rows = await session.execute(select(Broadcast.id).where(Broadcast.state == "sending")
                                 .order_by(Broadcast.id))
    return list(rows.scalars())


async def has_work(session: AsyncSession, channels: Sequence[str],
                   now: dt.datetime | None = None) -> bool:
    """Is anything left for a worker on these channels: unsent rows of a sending broadcast (due
    now or later, held by any worker), or a scheduled broadcast whose time has come?"""
    now = utc(now)
    unsent = (exists().where(Delivery.broadcast_id == Broadcast.id, OPEN,
                             Delivery.channel.in_(channels))
              .where(Broadcast.state == "sending"))
    due = exists().where(Broadcast.state == "scheduled", Broadcast.scheduled_at <= now)
    return bool((await session.execute(select(unsent | due))).scalar())
