"""What officers read about broadcasts: one's status, the recent ones, the failures as CSV."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Broadcast, Delivery

STATUS_KEYS = ("id", "state", "total", "sent", "failed", "blocked", "pending")
FAILURE_STATES = ("failed", "blocked")
CSV_COLUMNS = ("delivery_id", "channel", "chat_id", "state", "attempts", "error")


def _summary(broadcast: Broadcast, counts: dict[str, int]) -> dict[str, Any]:
    return {"id": broadcast.id, "state": broadcast.state, "total": broadcast.total,
            "sent": counts.get("sent", 0), "failed": counts.get("failed", 0),
            "blocked": counts.get("blocked", 0),
            "pending": counts.get("pending", 0) + counts.get("claimed", 0)}


async def _counts(session: AsyncSession, ids: list[int]) -> dict[int, dict[str, int]]:
    rows = await session.execute(
        select(Delivery.broadcast_id, Delivery.state, func.count())
        .where(Delivery.broadcast_id.in_(ids)).group_by(Delivery.broadcast_id, Delivery.state))
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    for broadcast_id, state, n in rows:
        counts[broadcast_id][state] = int(n)
    return counts


async def status(session: AsyncSession, broadcast_id: int) -> dict[str, Any] | None:
    """{"id", "state", "total", "sent", "failed", "blocked", "pending"} (pending: not sent yet,
    including the rows workers hold), or None for an unknown id."""
    broadcast = await session.get(Broadcast, broadcast_id, populate_existing=True)
    if broadcast is None:
        return None
    return _summary(broadcast, (await _counts(session, [broadcast_id]))[broadcast_id])


async def list_broadcasts(session: AsyncSession, limit: int = 20, *, offset: int = 0,
                          where: ColumnElement[bool] | None = None
                          ) -> list[tuple[Broadcast, dict[str, Any]]]:
    """The latest broadcasts (of those `where` allows), newest first, each with its status."""
    statement = select(Broadcast).order_by(Broadcast.id.desc()).limit(limit).offset(offset)
    if where is not None:
        statement = statement.where(where)
    broadcasts = list((await session.execute(statement)).scalars())
    counts = await _counts(session, [b.id for b in broadcasts])
    return [(b, _summary(b, counts[b.id])) for b in broadcasts]


async def sent_since(session: AsyncSession, broadcast_id: int, since: dt.datetime) -> int:
    """How many of its messages went out after `since` (the rate of the last minute)."""
    statement = (select(func.count()).select_from(Delivery)
                 .where(Delivery.broadcast_id == broadcast_id, Delivery.state == "sent",
                        Delivery.sent_at >= since.astimezone(dt.UTC)))
    return int((await session.execute(statement)).scalar_one())


async def failures_csv(session: AsyncSession, broadcast_id: int, path: Path, *,
                       header: Sequence[str] = CSV_COLUMNS,
                       states: Mapping[str, str] | None = None) -> int:
    """Write the broadcast's failed and blocked deliveries to `path` (UTF-8 with BOM, which
    Excel needs for Vietnamese); return how many. Rows are streamed, not loaded at once.
    `header` and `states` (a state's words): the columns and states as the reader calls them
    (the console's officers); the ids otherwise (the command line)."""
    statement = (select(Delivery.id, Delivery.channel, Delivery.chat_id, Delivery.state,
                        Delivery.attempts, Delivery.error)
                 .where(Delivery.broadcast_id == broadcast_id,
                        Delivery.state.in_(FAILURE_STATES))
                 .order_by(Delivery.id).execution_options(yield_per=2000))
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        async for partition in (await session.stream(statement)).partitions():
            writer.writerows(partition if states is None else (
                (*row[:3], states.get(row[3], row[3]), *row[4:]) for row in partition))
            count += len(partition)
            await asyncio.sleep(0)  # a long export must not hold the event loop
    return count
