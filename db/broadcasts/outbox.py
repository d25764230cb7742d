"""The outbox: a broadcast's delivery rows, written in batches, claimed by workers, recorded.

A row is claimed by one worker at a time, for a lease the worker keeps extending while it works.
On PostgreSQL the claim is `SELECT … FOR UPDATE SKIP LOCKED` inside one UPDATE, so workers never
wait for each other's rows; on SQLite the claim is one UPDATE … RETURNING statement, which runs
under SQLite's single write lock, so two workers never claim the same row either. A row whose
worker died (its lease ran out) is due again and claimed by the next worker that asks.

Functions that take a session never commit: the caller's transaction does (`create_in_session`
too: the chat creates a broadcast in the officer's message). `create_broadcast` takes the session
factory and commits batch by batch, for the command line and very large audiences.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Table,
    bindparam,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from content.errors import BroadcastError
from db.broadcasts.audience import (
    DEFAULT_RULES,
    SYSTEM,
    Audience,
    AudienceRules,
    Sender,
    parse_filters,
    recipients,
    scoped_to,
)
from db.broadcasts.formatting import BroadcastMessage, check_message
from db.models import Broadcast, ChannelIdentity, Delivery, utcnow

CREATE_BATCH = 20_000
"""Identity ids examined per INSERT … SELECT: each batch is one short transaction."""
TABLE = cast(Table, Delivery.__table__)

# Literal, not bound: the planners use the partial index ix_deliveries_due only when the query
# repeats its condition word for word (PostgreSQL's generic plans and SQLite alike).
OPEN = Delivery.state.in_([literal_column("'pending'"), literal_column("'claimed'")])
OPEN_ROW = TABLE.c.state.in_([literal_column("'pending'"), literal_column("'claimed'")])


def utc(now: dt.datetime | None) -> dt.datetime:
    """`now` (or the current time) in UTC: SQLite keeps datetimes without their zone, so every
    time written or compared here must be in UTC."""
    return (now or utcnow()).astimezone(dt.UTC)


class Link(NamedTuple):
    """A link button under the message."""

    url: str
    label: str


@dataclass(frozen=True)
class Claimed:
    """A delivery row a worker holds: where to send, and how many attempts it has had."""

    id: int
    broadcast_id: int
    channel: str
    identity_id: int
    chat_id: str
    attempts: int


@dataclass(frozen=True)
class Result:
    """What became of a claimed row: sent, failed, blocked, or pending again (a retry at
    `retry_at`, or handed back unsent with `retry_at` None)."""

    row: Claimed
    state: str
    attempts: int
    error: str | None = None
    retry_at: dt.datetime | None = None


Progress = Callable[[int], None]
"""Told how many identities were examined since the last call (a progress bar)."""


def _prepare(text: str, image_url: str | None, link: Link | None,
             filters: Sequence[str] | Audience, at: dt.datetime | None, created_by: int | None,
             now: dt.datetime, sender: Sender) -> tuple[Audience, Broadcast]:
    """Check what is asked (raising BroadcastError, AudienceError, MessageError: ValueErrors);
    the parsed audience, limited to the sender's area, and the new broadcast, a draft."""
    audience = filters if isinstance(filters, Audience) else parse_filters(filters)
    audience = scoped_to(audience, sender)
    message = BroadcastMessage(text, image_url, link.url if link else None,
                               link.label if link else None)
    check_message(message)
    if at is not None and at.tzinfo is None:
        raise BroadcastError("the send time needs a time zone")
    if at is not None and at <= now:
        raise BroadcastError(f"the send time {at.isoformat()} is in the past")
    return audience, Broadcast(created_by=created_by, created_at=now, text=text,
                               image_url=image_url, link_url=message.link_url,
                               link_label=message.link_label,
                               audience=list(audience.filters) or ["all"], state="draft",
                               scheduled_at=at.astimezone(dt.UTC) if at else None,
                               province=sender.area.province if sender.area else None)


def _open(broadcast: Broadcast, total: int, now: dt.datetime) -> None:
    """Every delivery is written: the broadcast is scheduled, sending, or done if nobody."""
    broadcast.total = total
    if total == 0:
        broadcast.state, broadcast.finished_at = "done", now
    elif broadcast.scheduled_at is not None:
        broadcast.state = "scheduled"
    else:
        broadcast.state, broadcast.started_at = "sending", now


async def _identity_range(session: AsyncSession) -> range:
    low, high = (await session.execute(select(func.min(ChannelIdentity.id),
                                              func.max(ChannelIdentity.id)))).one()
    return range(0) if low is None else range(low, high + 1)


def _deliveries_between(broadcast_id: int, audience: Audience, rules: AudienceRules,
                        now: dt.datetime, first: int, last: int) -> Any:
    """INSERT … SELECT of the delivery rows of the identities first..last (ids)."""
    chosen = (recipients(audience, now, rules)
              .where(ChannelIdentity.id.between(first, last)).subquery())
    rows = select(literal(broadcast_id, Integer), chosen.c.id, chosen.c.channel,
                  chosen.c.chat_id, literal("pending", String), literal(0, Integer),
                  literal(now, DateTime(timezone=True)))
    return insert(TABLE).from_select(
        ["broadcast_id", "identity_id", "channel", "chat_id", "state", "attempts",
         "next_attempt_at"], rows)


def _batches(ids: range) -> list[tuple[int, int]]:
    return [(start, min(start + CREATE_BATCH, ids.stop) - 1)
            for start in range(ids.start, ids.stop, CREATE_BATCH)]


async def create_in_session(session: AsyncSession, *, text: str, image_url: str | None = None,
                            link: Link | None = None, filters: Sequence[str] | Audience = (),
                            at: dt.datetime | None = None, created_by: int | None = None,
                            rules: AudienceRules = DEFAULT_RULES,
                            now: dt.datetime | None = None,
                            reminder_key: str | None = None, submit_key: str | None = None,
                            sender: Sender) -> tuple[int, int]:
    """Create a broadcast and its delivery rows in the caller's transaction (nothing is
    committed here: workers see it when the caller commits); (its id, recipients).
    `sender` has no default: what an account in chat sends is always limited to its area.

    Rows are written by INSERT … SELECT in batches of identity ids, so the audience never passes
    through Python. `at`: an aware datetime in the future, or None to send now. Raises
    BroadcastError, AudienceError or MessageError (all ValueErrors) for what cannot be sent."""
    now = utc(now)
    audience, broadcast = _prepare(text, image_url, link, filters, at, created_by, now, sender)
    broadcast.reminder_key = reminder_key  # unique: a second planner's insert fails here
    broadcast.submit_key = submit_key  # unique: the same console form sent twice fails here
    session.add(broadcast)
    await session.flush()
    total = 0
    for first, last in _batches(await _identity_range(session)):
        statement = _deliveries_between(broadcast.id, audience, rules, now, first, last)
        total += (await session.execute(statement)).rowcount  # type: ignore[attr-defined]
    _open(broadcast, total, now)
    await session.flush()
    return broadcast.id, total


async def create_broadcast(sessions: async_sessionmaker[AsyncSession], *, text: str,
                           image_url: str | None = None, link: Link | None = None,
                           filters: Sequence[str] | Audience = (), at: dt.datetime | None = None,
                           created_by: int | None = None, rules: AudienceRules = DEFAULT_RULES,
                           now: dt.datetime | None = None, progress: Progress | None = None,
                           sender: Sender = SYSTEM) -> int:
    """Like create_in_session, but one short transaction per batch (for very large audiences,
    from the command line, whose operator is the server's: SYSTEM); its id. The broadcast stays a draft, never sent, until every batch
    is written. `progress` is told how many identity ids each batch examined."""
    now = utc(now)
    audience, broadcast = _prepare(text, image_url, link, filters, at, created_by, now, sender)
    async with sessions() as session, session.begin():
        session.add(broadcast)
        await session.flush()
        ids = await _identity_range(session)
    total = 0
    for first, last in _batches(ids):
        statement = _deliveries_between(broadcast.id, audience, rules, now, first, last)
        async with sessions() as session, session.begin():
            total += (await session.execute(statement)).rowcount  # type: ignore[attr-defined]
        if progress is not None:
            progress(last - first + 1)
    async with sessions() as session, session.begin():
        _open(await session.get_one(Broadcast, broadcast.id), total, now)
    return broadcast.id


async def claim(session: AsyncSession, worker_id: str, batch_size: int, lease: dt.timedelta, *,
                broadcast_id: int, channel: str, now: dt.datetime | None = None) -> list[Claimed]:
    """Claim up to `batch_size` due rows of one broadcast on one channel (pending rows whose time
    has come, and claimed rows whose lease ran out), oldest first, for `lease`. Rows of a
    broadcast that is not sending (scheduled for later, paused, cancelled) are never claimed."""
    now = utc(now)
    until = now + lease
    sending = exists().where(Broadcast.id == broadcast_id, Broadcast.state == "sending",
                             or_(Broadcast.scheduled_at.is_(None), Broadcast.scheduled_at <= now))
    due = (select(Delivery.id)
           .where(Delivery.broadcast_id == broadcast_id, Delivery.channel == channel, OPEN,
                  Delivery.next_attempt_at <= now, sending)
           .order_by(Delivery.next_attempt_at).limit(batch_size)
           .with_for_update(skip_locked=True, of=Delivery))  # SQLite leaves FOR UPDATE out
    statement = (update(TABLE).where(TABLE.c.id.in_(due.scalar_subquery()))
                 .values(state="claimed", claimed_by=worker_id, lease_until=until,
                         next_attempt_at=until)
                 .returning(TABLE.c.id, TABLE.c.identity_id, TABLE.c.chat_id, TABLE.c.attempts))
    rows = (await session.execute(statement)).all()
    return [Claimed(id, broadcast_id, channel, identity_id, chat_id, attempts)
            for id, identity_id, chat_id, attempts in rows]


def _guarded(*conditions: Any) -> Any:
    return update(TABLE).where(TABLE.c.id == bindparam("row_id"), *conditions)


# Built once: a worker writes outcomes many times a second, and building a statement costs more
# than running it. Each runs as an executemany over the rows of one kind of outcome.
_RELEASED = {"claimed_by": None, "lease_until": None}
_RECORD_SENT = _guarded(TABLE.c.state != "sent").values(
    state="sent", sent_at=bindparam("now"), attempts=bindparam("new_attempts"), error=None,
    **_RELEASED)
_RECORD_FINAL = {final: _guarded(OPEN_ROW).values(
    state=final, attempts=bindparam("new_attempts"), error=bindparam("new_error"), **_RELEASED)
    for final in ("failed", "blocked")}
_RECORD_RETRY = _guarded(TABLE.c.state == "claimed", TABLE.c.claimed_by == bindparam("worker"),
                         ).values(state="pending", attempts=bindparam("new_attempts"),
                                  error=bindparam("new_error"),
                                  next_attempt_at=bindparam("retry_at"), **_RELEASED)
_RECORD = {"sent": _RECORD_SENT, **_RECORD_FINAL, "pending": _RECORD_RETRY}


async def record(session: AsyncSession, worker_id: str, results: Sequence[Result],
                 now: dt.datetime | None = None) -> None:
    """Write the outcomes of claimed rows (one statement per kind of outcome). A blocked
    recipient's identity is marked unreachable, so no later broadcast chooses it.

    A message that went out is recorded as sent whatever happened to the row meanwhile (a
    cancel, another worker); other outcomes only change rows this worker still holds."""
    now = utc(now)
    by_state: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        if result.state not in _RECORD:
            raise ValueError(f"unknown delivery outcome {result.state!r}")
        by_state.setdefault(result.state, []).append(
            {"row_id": result.row.id, "new_attempts": result.attempts, "new_error": result.error,
             "retry_at": result.retry_at or now, "now": now, "worker": worker_id})
    for state, rows in by_state.items():
        await session.execute(_RECORD[state], rows)
    blocked = [r.row.identity_id for r in results if r.state == "blocked"]
    if blocked:
        await session.execute(update(ChannelIdentity).where(ChannelIdentity.id.in_(blocked))
                              .values(reachable=False))


async def extend_leases(session: AsyncSession, worker_id: str, lease: dt.timedelta,
                        now: dt.datetime | None = None) -> int:
    """The worker is alive: its claims last another `lease`."""
    until = utc(now) + lease
    result = await session.execute(
        update(TABLE).where(TABLE.c.claimed_by == worker_id, TABLE.c.state == "claimed")
        .values(lease_until=until, next_attempt_at=until))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def release(session: AsyncSession, worker_id: str, now: dt.datetime | None = None) -> int:
    """Hand back every row the worker still holds, due at once (a graceful stop)."""
    result = await session.execute(
        update(TABLE).where(TABLE.c.claimed_by == worker_id, TABLE.c.state == "claimed")
        .values(state="pending", claimed_by=None, lease_until=None, next_attempt_at=utc(now)))
    return int(result.rowcount)  # type: ignore[attr-defined]
