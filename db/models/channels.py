"""Channel bookkeeping: inbox and reply outbox, stored button payloads, Zalo's tokens and budgets, platform alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, utcnow


class InboxEntry(Base):
    """A platform message accepted from a channel, stored before the platform is answered, so a
    crash loses nothing: handled from here, resumed on start. (channel, update_id) is unique, so a
    redelivered message is stored and handled once."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("channel", "update_id"),
                      Index("ix_inbox_pending", "state", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(64))
    message: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    """pending → handled, throttled (over the user's incoming limit) or failed (apologised)."""
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class OutboxReply(Base):
    """A reply recorded in the transaction that handled its message, then sent: a crash between
    the two sends it on restart instead of losing it."""

    __tablename__ = "reply_outbox"
    __table_args__ = (Index("ix_reply_outbox_unsent", "sent_at", "claimed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inbox_id: Mapped[int] = mapped_column(Integer, index=True)
    """The message answered (not a foreign key: /xoadulieu may forget the message itself)."""
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    reply: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    claimed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    """When a worker took it to send; an unsent row claimed long ago is taken by another."""
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    sent_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class CallbackPayload(Base):
    """A button payload too long for a platform's limit (Telegram: 64 bytes), kept server-side."""

    __tablename__ = "callback_payloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class ZaloToken(Base):
    """The OA's current token pair. Refresh tokens are single-use: the new pair replaces the old
    one in the same transaction that consumed it, under a row lock (one row, id 1)."""

    __tablename__ = "zalo_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ButtonChoices(Base):
    """Buttons a platform could not show (Zalo: more than 5) listed as numbers for one user:
    typing the number presses the button."""

    __tablename__ = "button_choices"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    choices: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ChannelAlert(Base):
    """Something officers must know about a channel (a Zalo quota ran out)."""

    __tablename__ = "channel_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    code: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)


class ZaloReplyWindow(Base):
    """A Zalo user's free-reply window: their last message (its id is quoted by replies, which
    makes them free "tin phản hồi"), when it came, and how many replies have used it. A new
    message from the user opens a new window (db/zalo_budget.py)."""

    __tablename__ = "zalo_reply_windows"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[dt.datetime] = mapped_column()
    replies_used: Mapped[int] = mapped_column(Integer, default=0)


class ZaloOverflow(Base):
    """What did not fit in a Zalo user's free replies, sent when they type "tiếp"."""

    __tablename__ = "zalo_overflow"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ZaloProactiveUsage(Base):
    """Proactive Zalo messages ("tin chủ động": broadcasts, reminders) sent in a month (Vietnam
    time, "2026-12"), against the OA's monthly quota (ZALO_PROACTIVE_QUOTA)."""

    __tablename__ = "zalo_proactive_usage"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)


class LocalDelivery(Base):
    """An announcement delivered with no messaging platform (bot/platforms/local.py): to a console
    user, shown in their `cdsbot chat` session, or to a demo subscriber, only recorded. Lets an
    officer rehearse a broadcast with no tokens and watch it go, never reaching a real person."""

    __tablename__ = "local_deliveries"
    __table_args__ = (Index("ix_local_deliveries_unshown", "channel", "chat_id", "shown_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    """console or demo."""
    chat_id: Mapped[str] = mapped_column(String(64))
    message: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """The BroadcastMessage's fields: text, image_url, link_url, link_label."""
    delivered_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    shown_at: Mapped[dt.datetime | None] = mapped_column(default=None)
