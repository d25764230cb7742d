"""Broadcasts, one delivery row per recipient, and the shared send-rate slots."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, utcnow

BROADCAST_STATES = ("draft", "scheduled", "sending", "paused", "done", "cancelled")
"""A broadcast is a draft while its deliveries are written, then scheduled (until scheduled_at) or
sending; officers may pause or cancel it; it is done when none of its deliveries is left to send."""


DELIVERY_STATES = ("pending", "claimed", "sent", "failed", "blocked", "cancelled")
"""pending → claimed by a worker (until lease_until) → sent | failed | blocked, or back to pending
for a retry; cancelled with its broadcast."""


OPEN_DELIVERY_STATES = ("pending", "claimed")


def _delivery_id_type() -> Any:
    """64-bit ids on PostgreSQL (every broadcast adds a row per recipient); SQLite's INTEGER
    PRIMARY KEY is 64-bit already and must stay INTEGER to number rows itself."""
    return BigInteger().with_variant(Integer, "sqlite")


class Broadcast(Base):
    """A message from officers to an audience (bot/broadcast); one Delivery row per recipient."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_state", "state", "scheduled_at"),
                      Index("ix_broadcasts_province", "province", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String(1024))
    link_url: Mapped[str | None] = mapped_column(String(1024))
    link_label: Mapped[str | None] = mapped_column(String(128))
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    """The filters as given ("topic:contests", "province:nghe-an"); see bot/broadcast/audience.py."""
    scheduled_at: Mapped[dt.datetime | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="draft")
    started_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    total: Mapped[int] = mapped_column(Integer, default=0)
    reminder_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    """For automatic reminders: what it reminds of (unique, so it is created once)."""
    province: Mapped[str | None] = mapped_column(String(64))
    """The province its sender's area is in (officers of it see and manage it); None: sent by
    an admin or the server, to anywhere."""
    submit_key: Mapped[str | None] = mapped_column(
        String(64), unique=True)  # constraint name from the migration: uq_broadcasts_submit_key
    """The console form's one-time key: the same form sent twice creates one broadcast."""


class Delivery(Base):
    """One recipient of a broadcast: the outbox row a worker claims, sends and records.

    `next_attempt_at` is when the row is next due: for a pending row, its first send or its next
    retry; for a claimed row, the end of its lease (a row whose worker died is due again then).
    Identities deleted with their user (/xoadulieu) take their deliveries with them."""

    __tablename__ = "deliveries"
    __table_args__ = (
        # identity first: it also serves the cascade when an identity is deleted.
        UniqueConstraint("identity_id", "broadcast_id", name="uq_delivery_identity_broadcast"),
        Index("ix_deliveries_broadcast_state", "broadcast_id", "state"),
    )

    id: Mapped[int] = mapped_column(_delivery_id_type(), primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    identity_id: Mapped[int] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column()
    sent_at: Mapped[dt.datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)


# Workers claim the due rows of one broadcast and channel in next_attempt_at order; only open rows
# are indexed, so the index shrinks as a broadcast is sent.
Index("ix_deliveries_due", Delivery.broadcast_id, Delivery.channel, Delivery.next_attempt_at,
      postgresql_where=Delivery.state.in_(OPEN_DELIVERY_STATES),
      sqlite_where=Delivery.state.in_(OPEN_DELIVERY_STATES))


class RateSlot(Base):
    """A channel's next free send slot (seconds since the epoch), shared by every broadcast worker
    when no Redis is configured (bot/broadcast/ratelimit.py)."""

    __tablename__ = "rate_slots"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float, default=0.0)
