"""The web chat (bot/channels/web.py): portal sites, anonymous visitors, their conversations and
each conversation's numbered events, kept so a browser can replay what it missed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, utcnow


class WebSite(Base):
    """A portal that may embed the widget: its key (public, in the script tag) and the origins
    its pages are served from; requests from any other origin are refused."""

    __tablename__ = "web_sites"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WebVisitor(Base):
    """A browser's anonymous identity: `id` is its user and chat id on the web channel; the
    browser keeps the token, which is stored here only as its SHA-256."""

    __tablename__ = "web_visitors"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    site_key: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[int] = mapped_column(Integer)
    """The conversation the panel shows ("new conversation" starts another)."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class WebConversation(Base):
    """One conversation's counter: each event takes the next number under this row's lock, so
    events commit in the order of their numbers and a reader never skips one."""

    __tablename__ = "web_conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visitor_id: Mapped[str] = mapped_column(String(32), index=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class WebEvent(Base):
    """What the panel shows, numbered within its conversation: the visitor's messages ("user"),
    the bot's replies ("bot") and announcements ("notice"). `source` keys what made it (a reply of
    an inbox entry), so the same reply recorded again after a crash is stored once."""

    __tablename__ = "web_events"
    __table_args__ = (UniqueConstraint("conversation_id", "seq"),
                      UniqueConstraint("conversation_id", "source"),
                      Index("ix_web_events_created_at", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source: Mapped[str | None] = mapped_column(String(80), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WebFile(Base):
    """A file a reply carried (a report's XLSX, a chart): served at /web/v1/files/<token> to
    whoever holds the link, which only its conversation's events show."""

    __tablename__ = "web_files"

    token: Mapped[str] = mapped_column(String(43), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(Integer, index=True)
    path: Mapped[str] = mapped_column(String(500))
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
