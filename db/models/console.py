"""The officer console (bot/console): one-time sign-in links, server-side sessions, and the
audit log of what people did there and in chat (sign-ins, content changes, broadcasts, grants)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, utcnow


class ConsoleLink(Base):
    """A sign-in link the bot sent: only the token's SHA-256 is kept; single use, short-lived."""

    __tablename__ = "console_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class ConsoleSession(Base):
    """A signed-in browser: the cookie's SHA-256, so a copy of this table signs nobody in; its
    CSRF token; revoked by signing out (here or everywhere) or when it expires."""

    __tablename__ = "console_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class AuditEntry(Base):
    """Who did what, when. `province` is the area the action concerned (an officer sees their
    province's entries, an admin all); `details` never holds a citizen's personal data."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_province_at", "province", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    province: Mapped[str | None] = mapped_column(String(64), default=None)
    target: Mapped[str | None] = mapped_column(String(200), default=None)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class QuestionDismissal(Base):
    """A group of logged questions an officer set aside (out of scope, small talk): hidden from
    the inbox of their province, or of every province when `province` is None (an admin)."""

    __tablename__ = "question_dismissals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    normalized_text: Mapped[str] = mapped_column(String(1000), index=True)
    province: Mapped[str | None] = mapped_column(String(64), default=None)
    reason: Mapped[str] = mapped_column(String(16))
    dismissed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    dismissed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ContentPhrasing(Base):
    """A phrasing an officer added to an FAQ entry from the console (the content layer over the
    packs): every worker's matcher takes it up within seconds (bot/content_refresh.py).
    `removed_at` set: undone."""

    __tablename__ = "content_phrasings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    faq_id: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(String(300))
    province: Mapped[str | None] = mapped_column(String(64), default=None)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class ContentRevision(Base):
    """One change an officer made in the console to a content item (an FAQ entry, a contest,
    an event, a promotion, a campaign, a deadline) of a pack: the item as it is after the
    change (`data`, in the packs' format), or None when the change took the layer's version
    away (an undo back to the pack's own, or of an item the console had added). The latest
    revision of an item is what the bot uses; the earlier ones are its history."""

    __tablename__ = "content_revisions"
    __table_args__ = (Index("ix_content_revisions_item", "kind", "item_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[str] = mapped_column(String(64))
    pack: Mapped[str] = mapped_column(String(64))
    province: Mapped[str | None] = mapped_column(String(64))
    """The current province whose officers may change it; None: the national pack."""
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    source_doc: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """A source document the item cites that the pack does not list yet: {id, file, title}."""
    action: Mapped[str] = mapped_column(String(16))
    """added, edited or undone."""
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
