"""Repositories: query and add within the caller's transaction; they never commit."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from db.inbox import Inbox
from db.local_deliveries import LocalDeliveries
from db.models import (
    TOPICS,
    ButtonChoices,
    ChannelIdentity,
    Clock,
    ConversationState,
    QuestionLog,
    ReminderOptOut,
    Subscription,
    User,
    as_utc,
    utcnow,
)
from db.question_inbox import waiting
from db.web_chat import WebVisitors

ACTIVITY_PRECISION = dt.timedelta(minutes=5)


def _insert_ignoring_conflicts(session: AsyncSession, table: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for the session's dialect (SQLite or PostgreSQL)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing()


# Statements on the per-message path are built once and run with parameters: building a
# SQLAlchemy statement costs more than running it.
_FIND_IDENTITY = (
    select(ChannelIdentity)
    .options(joinedload(ChannelIdentity.user), joinedload(ChannelIdentity.state))
    .where(ChannelIdentity.channel == bindparam("channel"),
           ChannelIdentity.external_id == bindparam("external_id")))


class Identified(NamedTuple):
    identity: ChannelIdentity
    state: ConversationState | None
    """The unfinished conversation, if any."""
    created: bool
    """First contact: the identity (and its user) was made for this message."""


class UserRepository:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock
        """Now, as the message being handled sees it (handlers.context passes ctx.now)."""

    async def identify(self, channel: str, external_id: str, chat_id: str, *,
                       in_group: bool = False) -> Identified:
        """The identity (with its user) for a channel account, created on first contact, and its
        unfinished conversation, all in one query. `chat_id` is where the person's own messages
        go: a message written in a group keeps it (a private chat's id is the user's id)."""
        if in_group:
            chat_id = external_id
        identity = await self._find(channel, external_id)
        state = identity.state if identity is not None else None
        created = identity is None
        if identity is None:
            try:
                async with self.session.begin_nested():
                    identity = ChannelIdentity(channel=channel, external_id=external_id,
                                               chat_id=chat_id, user=User())
                    self.session.add(identity)
            except IntegrityError:  # another worker created it a moment ago
                identity = await self._find(channel, external_id)
                assert identity is not None
        now = self.clock()
        # Assign only real changes: an assignment marks the row dirty, and every later query
        # would then flush it first.
        if not identity.reachable:
            identity.reachable = True  # writing to us means we can write back
        if identity.chat_id != chat_id and not in_group:
            identity.chat_id = chat_id
        # Activity times only need minutes of precision: skip the two UPDATEs on most messages.
        if now - as_utc(identity.last_message_at) > ACTIVITY_PRECISION:
            identity.last_message_at = now
            identity.user.last_seen_at = now
        return Identified(identity, state, created)

    async def find(self, channel: str, external_id: str) -> ChannelIdentity | None:
        """The identity if this channel account has written before, else None."""
        return await self._find(channel, external_id)

    async def _find(self, channel: str, external_id: str) -> ChannelIdentity | None:
        result = await self.session.execute(_FIND_IDENTITY, {"channel": channel,
                                                             "external_id": external_id})
        return result.scalar_one_or_none()

    async def delete(self, user: User) -> None:
        """Delete a user and everything keyed to them (identities, state, subscriptions, the
        numbered buttons kept under their platform id, the text of their messages in the inbox
        and the replies sent to them); logs lose the link."""
        identities = (await self.session.execute(
            select(ChannelIdentity.channel, ChannelIdentity.external_id)
            .where(ChannelIdentity.user_id == user.id))).all()
        for channel, external_id in identities:  # keyed by the platform's id, not by the user
            await self.session.execute(delete(ButtonChoices).where(
                ButtonChoices.channel == channel, ButtonChoices.user_id == external_id))
            await Inbox(self.session).forget_user(channel, external_id)
            await LocalDeliveries(self.session).forget_chat(channel, external_id)
            if channel == "web":  # the browser's identity, its conversations and files
                await WebVisitors(self.session).forget(external_id)
        await self.session.delete(user)
        await self.session.flush()

    async def count(self) -> int:
        return int((await self.session.execute(select(func.count(User.id)))).scalar_one())

    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def mark_unreachable(self, channel: str, chat_id: str) -> None:
        """The platform says this chat cannot be messaged: stop sending to whoever it belongs to
        (their subscriptions stay, paused, until they write again)."""
        await self.session.execute(
            update(ChannelIdentity).where(ChannelIdentity.channel == channel,
                                          ChannelIdentity.chat_id == chat_id)
            .values(reachable=False))


class ConversationRepository:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock
        """Now, as the message being handled sees it (handlers.context passes ctx.now)."""

    async def save(self, identity_id: int, name: str | None, data: dict[str, Any],
                   current: ConversationState | None) -> None:
        """Store the conversation's state, or remove it when `name` is None; `current` is the
        state loaded at the start of the message (so no second query is needed)."""
        if name is None:
            if current is not None:
                await self.session.delete(current)
            return
        if current is None:
            self.session.add(ConversationState(identity_id=identity_id, name=name, data=data))
        else:
            current.name, current.data, current.updated_at = name, dict(data), self.clock()


QUESTION_LOG_TABLE: Table = QuestionLog.__table__  # type: ignore[assignment]
_INSERT_QUESTION = insert(QUESTION_LOG_TABLE)


class QuestionLogRepository:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock
        """Now, as the message being handled sees it (handlers.context passes ctx.now)."""

    async def add(self, *, user_id: int | None, channel: str, province: str | None, text: str,
                  normalized_text: str, faq_id: str | None, score: float, matched: bool) -> None:
        """Log a question. Both texts come without personal data (content.redaction, applied
        once by handlers.faq, the one place questions are logged from)."""
        # A Core INSERT: one row per question, no ORM bookkeeping on the hot path.
        await self.session.execute(_INSERT_QUESTION, {
            "created_at": self.clock(), "user_id": user_id, "channel": channel, "province": province,
            "text": text[:1000], "normalized_text": normalized_text[:1000],
            "faq_id": faq_id, "score": score, "matched": matched})

    async def unanswered(self, limit: int = 50) -> list[QuestionLog]:
        """Refused questions still waiting for an officer (as the console's inbox counts them)."""
        statement = (select(QuestionLog).where(QuestionLog.matched.is_(False), *waiting())
                     .order_by(QuestionLog.created_at.desc()).limit(limit))
        return list((await self.session.execute(statement)).scalars())

    async def last_answered(self, user_id: int, within: dt.timedelta) -> str | None:
        """The user's last answered question of the last `within`, as logged (for follow-ups)."""
        statement = (select(QuestionLog.text).where(
            QuestionLog.matched.is_(True), QuestionLog.created_at >= self.clock() - within,
            QuestionLog.user_id == user_id).order_by(QuestionLog.id.desc()).limit(1))
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def count_for_user(self, user_id: int) -> int:
        statement = select(func.count(QuestionLog.id)).where(QuestionLog.user_id == user_id)
        return int((await self.session.execute(statement)).scalar_one())

    async def forget_user(self, user_id: int) -> None:
        """Delete a user's logged questions (part of /xoadulieu)."""
        await self.session.execute(delete(QuestionLog).where(QuestionLog.user_id == user_id))


class SubscriptionRepository:
    """A user's topic subscriptions (db.models.TOPICS)."""

    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock
        """Now, as the message being handled sees it (handlers.context passes ctx.now)."""

    async def topics(self, user_id: int) -> list[str]:
        """The topics the user is subscribed to, in TOPICS order."""
        statement = select(Subscription.topic).where(Subscription.user_id == user_id)
        subscribed = set((await self.session.execute(statement)).scalars())
        return [topic for topic in TOPICS if topic in subscribed]

    async def subscribe(self, user_id: int, *topics: str) -> None:
        """Subscribe to the topics; ones already subscribed are left as they are."""
        unknown = set(topics) - set(TOPICS)
        if unknown:
            raise ValueError(f"unknown topics: {sorted(unknown)}")
        if not topics:
            return
        now = self.clock()
        statement = _insert_ignoring_conflicts(self.session, Subscription.__table__).values(
            [{"user_id": user_id, "topic": topic, "created_at": now} for topic in dict.fromkeys(topics)])
        await self.session.execute(statement)

    async def unsubscribe(self, user_id: int, topic: str) -> None:
        await self.session.execute(
            delete(Subscription).where(Subscription.user_id == user_id, Subscription.topic == topic))

    async def unsubscribe_all(self, user_id: int) -> int:
        """Remove every subscription of the user; returns how many there were."""
        result = await self.session.execute(delete(Subscription).where(Subscription.user_id == user_id))
        return int(getattr(result, "rowcount", 0) or 0)


class ReminderOptOutRepository:
    """The kinds of automatic reminder (db.models.REMINDER_KINDS) a user turned off (/nhacnho)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def turned_off(self, user_id: int) -> set[str]:
        statement = select(ReminderOptOut.kind).where(ReminderOptOut.user_id == user_id)
        return set((await self.session.execute(statement)).scalars())

    async def toggle(self, user_id: int, kind: str) -> None:
        """Turn the kind off, or on again when it was off."""
        if await self.session.get(ReminderOptOut, (user_id, kind)) is None:
            self.session.add(ReminderOptOut(user_id=user_id, kind=kind))
        else:
            await self.session.execute(delete(ReminderOptOut).where(
                ReminderOptOut.user_id == user_id, ReminderOptOut.kind == kind))
        await self.session.flush()
