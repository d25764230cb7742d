"""SQLAlchemy 2 models. Schema changes go through alembic (db/migrations)."""

from __future__ import annotations

import datetime as dt
from enum import IntEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Role(IntEnum):
    """Who may do what; a higher role may do everything a lower one may."""

    CITIZEN = 0
    MEMBER = 1
    LEADER = 2
    OFFICER = 3
    ADMIN = 4


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; they were stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dict[str, Any]: JSON}


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


class Team(Base):
    """A community digital technology team (Tổ công nghệ số cộng đồng) of one current commune
    (`commune_code`); it may also cover other communes of its province (`communes`, codes, its
    own first). Teams made before the two-tier reform keep what was recorded in `former_place`
    ({"province", "district", "communes"} by name)."""

    __tablename__ = "teams"
    __table_args__ = (Index("ix_teams_province_commune", "province", "commune_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    province: Mapped[str] = mapped_column(String(64))
    commune_code: Mapped[str | None] = mapped_column(String(8))
    communes: Mapped[list[str]] = mapped_column(JSON, default=list)
    former_place: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class TeamMember(Base):
    """A user's place in a team (one team per user): member or leader (db.models.Role)."""

    __tablename__ = "team_members"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    role: Mapped[int] = mapped_column(Integer, default=int(Role.MEMBER))
    joined_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class InviteCode(Base):
    """A code that lets people join a team (/start CODE, t.me/<bot>?start=CODE), until it
    expires or has been used `max_uses` times."""

    __tablename__ = "invite_codes"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)


OUTCOMES = ("done", "follow_up")
"""How a house visit ended: the resident managed, or the team must come back."""


class Visit(Base):
    """One house-visit guidance session logged by a team member, in one current commune of its
    team (`province` and `commune_code`, so reports filter one table). Visits recorded before
    the two-tier reform keep the former province, district and commune as written then. The services guided are bits of
    `services` (content/services.yaml gives each service its bit); `member_id` is cleared when the
    member deletes their data, the team's record stays. Undone visits keep a `deleted_at`."""

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_team_date", "team_id", "visit_date"),
        Index("ix_visits_province_date", "province", "visit_date"),
        Index("ix_visits_commune_date", "province", "commune_code", "visit_date"),
        Index("ix_visits_member_created", "member_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    province: Mapped[str] = mapped_column(String(64))
    commune_code: Mapped[str | None] = mapped_column(String(8))
    former_province: Mapped[str | None] = mapped_column(String(64))
    former_district: Mapped[str | None] = mapped_column(String(128))
    former_commune: Mapped[str | None] = mapped_column(String(128))
    address: Mapped[str | None] = mapped_column(String(200))
    visit_date: Mapped[dt.date] = mapped_column(Date)
    people: Mapped[int] = mapped_column(Integer)
    services: Mapped[int] = mapped_column(Integer)
    other_service: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(256))
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column()


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
    from sqlalchemy import BigInteger  # here, not at the top: this block is appended (issue 6)

    return BigInteger().with_variant(Integer, "sqlite")


class Broadcast(Base):
    """A message from officers to an audience (bot/broadcast); one Delivery row per recipient."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_state", "state", "scheduled_at"),)

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


REMINDER_KINDS = ("contest", "event", "campaign", "deadline")
"""Automatic reminders a user can turn off one by one (/nhacnho)."""


class ReminderOptOut(Base):
    """A kind of automatic reminder the user turned off."""

    __tablename__ = "reminder_optouts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)


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
