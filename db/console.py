"""The console's sign-in and sessions, and the audit log (models in db/models/console.py).

A sign-in link's token and a session's cookie exist only in the person's chat and browser; the
database keeps their SHA-256. Every request reads its session and the user's current role, so a
demoted officer or a revoked session is refused at once, not at the cookie's expiry.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.console_sessions import DatabaseSessions, SessionRecord, SessionStore
from db.models import (
    AuditEntry,
    ChannelIdentity,
    Clock,
    ConsoleLink,
    Role,
    User,
    as_utc,
    utcnow,
)
from db.web_chat import token_hash

LINK_LIFETIME = dt.timedelta(minutes=10)
SESSION_IDLE = dt.timedelta(hours=12)
"""A session unused this long has ended: a console left open overnight asks for a new link."""
SESSION_LIFETIME = dt.timedelta(days=7)
SEEN_EVERY = dt.timedelta(minutes=1)
"""last_seen_at is written at most this often (not on every page)."""
CONSOLE_ROLE = Role.LEADER
"""The lowest role with a console: leaders see their teams; officers and admins more."""


class Refused(enum.Enum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    NOT_ALLOWED = "not_allowed"
    """The person's role is below the console's (demoted since the link was sent)."""


@dataclass(frozen=True, slots=True)
class Opened:
    cookie: str
    user: User


@dataclass(frozen=True, slots=True)
class Signed:
    """A valid session, its user and the user's role now, as read for one request."""

    session: SessionRecord
    user: User
    role: Role


def _utc(clock: Clock) -> Clock:
    """Times are stored in UTC (SQLite keeps no offset)."""
    return lambda: clock().astimezone(dt.UTC)


def _open(record: SessionRecord, now: dt.datetime) -> bool:
    return record.expires_at > now and record.last_seen_at + SESSION_IDLE > now


class ConsoleAuth:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow,
                 admins: frozenset[str] = frozenset(), store: SessionStore | None = None) -> None:
        self.session = session
        self.clock = _utc(clock)
        self.admins = admins
        """'channel:id' accounts that are admins by configuration (ADMIN_IDS), as in chat."""
        self.store = store or DatabaseSessions(session)
        """Where sessions are kept: the database, or Redis (db/console_sessions.py)."""

    async def role_of(self, user: User) -> Role:
        """The stored role, or admin when ADMIN_IDS names one of the user's accounts."""
        if self.admins:
            accounts = await self.session.execute(
                select(ChannelIdentity.channel, ChannelIdentity.external_id)
                .where(ChannelIdentity.user_id == user.id))
            if any(f"{channel}:{external}" in self.admins for channel, external in accounts):
                return Role.ADMIN
        return Role(user.role)

    async def issue_link(self, user: User) -> str:
        """A new one-time sign-in token for the user (the caller checks the role)."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        self.session.add(ConsoleLink(token_hash=token_hash(token), user_id=user.id, created_at=now,
                                     expires_at=now + LINK_LIFETIME))
        await self.session.flush()
        return token

    async def check_link(self, token: str) -> Refused | None:
        """Why the link cannot sign in, without using it (the confirm page's GET)."""
        link = await self.session.get(ConsoleLink, token_hash(token))
        return await self._refusal(link)

    async def redeem(self, token: str) -> Opened | Refused:
        """Use the link (once) and open a session for its user."""
        link = await self.session.get(ConsoleLink, token_hash(token))
        refusal = await self._refusal(link)
        if refusal is not None:
            return refusal
        assert link is not None
        now = self.clock()
        used = await self.session.execute(  # a second tab posting the same link loses here
            update(ConsoleLink).where(ConsoleLink.token_hash == link.token_hash,
                                      ConsoleLink.used_at.is_(None)).values(used_at=now))
        if used.rowcount != 1:  # type: ignore[attr-defined]
            return Refused.USED
        user = await self.session.get(User, link.user_id)
        assert user is not None
        cookie = secrets.token_urlsafe(32)
        await self.store.add(SessionRecord(token_hash(cookie), user.id, secrets.token_urlsafe(32),
                                           last_seen_at=now, expires_at=now + SESSION_LIFETIME))
        return Opened(cookie, user)

    async def _refusal(self, link: ConsoleLink | None) -> Refused | None:
        if link is None:
            return Refused.UNKNOWN
        if link.used_at is not None:
            return Refused.USED
        if as_utc(link.expires_at) <= self.clock():
            return Refused.EXPIRED
        user = await self.session.get(User, link.user_id)
        if user is None or await self.role_of(user) < CONSOLE_ROLE:
            return Refused.NOT_ALLOWED
        return None

    async def signed(self, cookie: str) -> Signed | None:
        """The session a cookie opens, if it is still valid and its user still may."""
        record = await self.store.get(token_hash(cookie))
        now = self.clock()
        if record is None or not _open(record, now):
            return None
        user = await self.session.get(User, record.user_id)
        role = await self.role_of(user) if user is not None else Role.CITIZEN
        if user is None or role < CONSOLE_ROLE:  # deleted their data, or demoted, since
            await self.store.revoke(record, now)  # given the role again: a new link is needed
            return None
        if record.last_seen_at + SEEN_EVERY <= now:
            await self.store.seen(record, now)
        return Signed(record, user, role)

    async def sign_out(self, signed: Signed) -> None:
        await self.store.revoke(signed.session, self.clock())

    async def sign_out_everywhere(self, user_id: int) -> int:
        """Revoke every open session of the user; how many there were."""
        return await self.store.revoke_all(user_id, self.clock())

    async def open_sessions(self, user_id: int) -> int:
        now = self.clock()
        return sum(1 for record in await self.store.of_user(user_id) if _open(record, now))


class AuditLog:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = _utc(clock)

    async def record(self, actor: User | None, action: str, *, province: str | None = None,
                     target: str | None = None, details: dict[str, Any] | None = None) -> None:
        self.session.add(AuditEntry(at=self.clock(), actor_id=actor.id if actor else None,
                                    action=action, province=province,
                                    target=target[:200] if target else None,
                                    details=details or {}))

    async def visible_to(self, user: User, role: Role,
                         limit: int = 200) -> Sequence[AuditEntry]:
        """The newest entries the user may see: an admin all, an officer their province's
        and their own, anyone else their own."""
        query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        if role < Role.ADMIN:
            mine = AuditEntry.actor_id == user.id
            if role >= Role.OFFICER and user.scope_province:
                query = query.where(or_(mine, AuditEntry.province == user.scope_province))
            else:
                query = query.where(mine)
        return (await self.session.execute(query.limit(limit))).scalars().all()
