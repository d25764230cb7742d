"""People: users, their channel accounts, conversations, questions, subscriptions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, Role, utcnow


class User(Base):
    """A person as the bot knows them: preferences and consent, nothing more (Decree 13/2023)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    locale: Mapped[str | None] = mapped_column(String(8))
    province: Mapped[str | None] = mapped_column(String(64))
    """A current province's slug (content/places), stored only with consent."""
    commune: Mapped[str | None] = mapped_column(String(128))
    """A current commune's code, stored only with consent."""
    location_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    location_consent_at: Mapped[dt.datetime | None] = mapped_column()
    role: Mapped[int] = mapped_column(Integer, default=int(Role.CITIZEN))
    # Where an officer's authority runs (reports, teams, broadcasts): a current province's slug,
    # and some of its communes (codes) or none for the whole province. Unused below the officer
    # role; admins see everything.
    scope_province: Mapped[str | None] = mapped_column(String(64))
    scope_communes: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    identities: Mapped[list[ChannelIdentity]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True)


class ChannelIdentity(Base):
    """A user's account on one channel (Telegram user id, Zalo follower id, console)."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_identity_channel_external"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="identities")
    state: Mapped[ConversationState | None] = relationship(viewonly=True, lazy="raise")
    """Loaded together with the identity (UserRepository.identify), never on its own."""


class ConversationState(Base):
    """An unfinished conversation (a form, a choice), kept here so it survives restarts."""

    __tablename__ = "conversation_states"

    identity_id: Mapped[int] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class QuestionLog(Base):
    """Every free-text question: what was asked (as written and normalised, both without
    personal data: content.redaction), what matched, how sure."""

    __tablename__ = "question_log"
    __table_args__ = (Index("ix_question_log_matched_created", "matched", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    province: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)  # None: logged before migration 0009
    normalized_text: Mapped[str] = mapped_column(Text)
    faq_id: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    matched: Mapped[bool] = mapped_column(Boolean)


TOPICS = ("announcements", "contests", "events", "promotions")
"""What a citizen can subscribe to (/dangky)."""


class Subscription(Base):
    """A user's wish to receive one topic's announcements and reminders."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "topic", name="uq_subscription_user_topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


REMINDER_KINDS = ("contest", "event", "campaign", "deadline")
"""Automatic reminders a user can turn off one by one (/nhacnho)."""


class ReminderOptOut(Base):
    """A kind of automatic reminder the user turned off."""

    __tablename__ = "reminder_optouts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
