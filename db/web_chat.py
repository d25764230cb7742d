"""The web chat's storage: site keys, anonymous visitors, conversations and their event log.

Each event takes its conversation's next number by an UPDATE of the conversation row, in the
transaction that inserts it: the row lock makes a second writer wait for the first's commit, so
events become visible in the order of their numbers and a reader that remembers the last number
it saw never skips one (on SQLite writers are serialised anyway).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Clock, WebConversation, WebEvent, WebFile, WebSite, WebVisitor, utcnow

USER, BOT, NOTICE, CLEARED = "user", "bot", "notice", "cleared"
"""Event kinds: what the visitor sent, the bot's replies, announcements (broadcasts), and the
mark that what came before was deleted (/xoadulieu)."""
HISTORY_LIMIT = 200
"""Events one request returns at most; a client with more to catch up asks again."""


_EVENTS_TABLE: Table = WebEvent.__table__  # type: ignore[assignment]
_INSERT_EVENTS = {
    "postgresql": postgresql.insert(_EVENTS_TABLE).on_conflict_do_nothing()
    .returning(_EVENTS_TABLE.c.seq),
    "sqlite": sqlite.insert(_EVENTS_TABLE).on_conflict_do_nothing().returning(_EVENTS_TABLE.c.seq),
}
_CONVERSATIONS: Table = WebConversation.__table__  # type: ignore[assignment]
_VISITORS: Table = WebVisitor.__table__  # type: ignore[assignment]


def _take_numbers(conversation: Any) -> Any:
    """Reserve the next `count` event numbers of a conversation; its id and last number."""
    return (update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == conversation)
            .values(last_seq=_CONVERSATIONS.c.last_seq + bindparam("count"),
                    updated_at=bindparam("now"))
            .returning(_CONVERSATIONS.c.id, _CONVERSATIONS.c.last_seq))


# Built once, on the tables rather than the mapped classes: every message runs them twice, and
# neither then needs the ORM's bulk-update bookkeeping or a new cache key each time.
_TAKE_IN_CONVERSATION = _take_numbers(bindparam("conversation"))
_TAKE_FOR_VISITOR = _take_numbers(
    select(_VISITORS.c.conversation_id).where(_VISITORS.c.id == bindparam("visitor"))
    .scalar_subquery())


@dataclass(frozen=True, slots=True)
class NewEvent:
    kind: str
    body: dict[str, Any]
    source: str | None = None
    """What made it (a reply of an inbox entry): the same source is stored once."""


@dataclass(frozen=True, slots=True)
class Stored:
    """Events stored in a conversation, as streams send them: {"seq", "kind", "body"}."""

    conversation_id: int
    events: list[dict[str, Any]]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_KEY_ALPHABET = string.ascii_letters + string.digits


def new_site_key() -> str:
    """16 letters and digits (95 bits): no "-" or "_", which a command line would read as an
    option when the key starts with one (`cdsbot web sites remove -Tu6…`)."""
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))


class WebSites:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock

    async def add(self, name: str, origins: Sequence[str], key: str | None = None) -> WebSite:
        """A new site with a random key (or `key`, for the local demo page)."""
        site = WebSite(key=key or new_site_key(), name=name, origins=list(origins),
                       created_at=self.clock())
        self.session.add(site)
        await self.session.flush()
        return site

    async def get(self, key: str) -> WebSite | None:
        return await self.session.get(WebSite, key)

    async def all(self) -> Sequence[WebSite]:
        return (await self.session.execute(select(WebSite).order_by(WebSite.created_at))).scalars().all()

    async def remove(self, key: str) -> bool:
        result = await self.session.execute(delete(WebSite).where(WebSite.key == key))
        return bool(getattr(result, "rowcount", 0))


class WebVisitors:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock

    async def create(self, site_key: str) -> tuple[WebVisitor, str]:
        """A new anonymous visitor with a first conversation; returns it and its token (the
        only time the token exists outside the browser)."""
        token = secrets.token_urlsafe(32)
        visitor_id = "w" + secrets.token_hex(10)
        now = self.clock()
        conversation = WebConversation(visitor_id=visitor_id, last_seq=0, started_at=now,
                                       updated_at=now)
        self.session.add(conversation)
        await self.session.flush()
        visitor = WebVisitor(id=visitor_id, token_hash=token_hash(token), site_key=site_key,
                             conversation_id=conversation.id, created_at=now, last_seen_at=now)
        self.session.add(visitor)
        await self.session.flush()
        return visitor, token

    async def by_token(self, token: str) -> WebVisitor | None:
        if not token or len(token) > 100:
            return None
        return (await self.session.execute(
            select(WebVisitor).where(WebVisitor.token_hash == token_hash(token)))).scalar_one_or_none()

    async def get(self, visitor_id: str) -> WebVisitor | None:
        return await self.session.get(WebVisitor, visitor_id)

    async def new_conversation(self, visitor: WebVisitor) -> int:
        now = self.clock()
        conversation = WebConversation(visitor_id=visitor.id, last_seq=0, started_at=now,
                                       updated_at=now)
        self.session.add(conversation)
        await self.session.flush()
        visitor.conversation_id = conversation.id
        return conversation.id

    async def forget(self, visitor_id: str) -> None:
        """Part of /xoadulieu: every conversation's events and files go, and the panel is told
        to clear (a "cleared" event, so the confirmation that follows is still shown). The
        visitor stays as its random id and token hash, which say nothing about the person."""
        visitor = await self.get(visitor_id)
        if visitor is None:
            return
        conversations = select(WebConversation.id).where(WebConversation.visitor_id == visitor_id)
        for model in (WebEvent, WebFile):
            await self.session.execute(delete(model).where(
                model.conversation_id.in_(conversations)))
        await self.session.execute(delete(WebConversation).where(
            WebConversation.visitor_id == visitor_id,
            WebConversation.id != visitor.conversation_id))
        await WebEventLog(self.session, self.clock).append(visitor.conversation_id, CLEARED, {})


class WebEventLog:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock

    async def append(self, conversation_id: int, kind: str, body: dict[str, Any],
                     source: str | None = None) -> int | None:
        """Store an event with the conversation's next number and return it; None when the
        conversation is gone or an event of the same `source` is stored already."""
        stored = await self._append(_TAKE_IN_CONVERSATION, {"conversation": conversation_id},
                                    [NewEvent(kind, body, source)])
        return stored.events[0]["seq"] if stored and stored.events else None

    async def append_for(self, visitor_id: str,
                         events: Sequence[NewEvent]) -> Stored | None:
        """Store events in the visitor's current conversation, numbered in order; None when the
        visitor is gone. Two statements whatever the number of events: this is every message's
        path, twice (the visitor's and the replies)."""
        return await self._append(_TAKE_FOR_VISITOR, {"visitor": visitor_id}, events)

    async def _append(self, take: Any, which: dict[str, Any],
                      events: Sequence[NewEvent]) -> Stored | None:
        now = self.clock()
        row = (await self.session.execute(
            take, {**which, "count": len(events), "now": now})).first()
        if row is None:
            return None
        conversation_id, last = int(row[0]), int(row[1])
        first = last - len(events) + 1
        rows = [{"conversation_id": conversation_id, "seq": first + n, "kind": e.kind,
                 "body": e.body, "source": e.source, "created_at": now}
                for n, e in enumerate(events)]
        # A source stored before (the same reply sent again after a crash) is skipped; its
        # number stays unused, which readers do not mind (they read what follows a number).
        # Rows as parameters, not .values(rows): a statement with its rows inside is compiled
        # again every time; this one is cached and still sent as one INSERT (insertmanyvalues).
        inserted = _INSERT_EVENTS[self.session.get_bind().dialect.name]
        kept = set((await self.session.execute(inserted, rows)).scalars())
        return Stored(conversation_id, [{"seq": r["seq"], "kind": r["kind"], "body": r["body"]}
                                        for r in rows if r["seq"] in kept])

    async def after(self, conversation_id: int, seq: int,
                    limit: int = HISTORY_LIMIT) -> Sequence[WebEvent]:
        """The events numbered after `seq`, in order (a new client asks after 0; the newest
        `limit` of a long conversation)."""
        if seq <= 0:
            newest = (await self.session.execute(
                select(WebEvent).where(WebEvent.conversation_id == conversation_id)
                .order_by(WebEvent.seq.desc()).limit(limit))).scalars().all()
            return list(reversed(newest))
        return (await self.session.execute(
            select(WebEvent).where(WebEvent.conversation_id == conversation_id, WebEvent.seq > seq)
            .order_by(WebEvent.seq).limit(limit))).scalars().all()

    async def last_seq(self, conversation_id: int) -> int:
        value = (await self.session.execute(select(WebConversation.last_seq).where(
            WebConversation.id == conversation_id))).scalar_one_or_none()
        return int(value or 0)

    async def changed_since(self, since: dt.datetime) -> list[tuple[int, int]]:
        """(conversation, its last event number) for those with an event stored at or after
        `since` (by any process)."""
        rows = await self.session.execute(select(WebConversation.id, WebConversation.last_seq)
                                          .where(WebConversation.updated_at >= since))
        return [(int(conversation), int(seq)) for conversation, seq in rows]

    async def add_file(self, conversation_id: int, path: str, filename: str, kind: str) -> str:
        token = secrets.token_urlsafe(32)
        self.session.add(WebFile(token=token, conversation_id=conversation_id, path=path,
                                 filename=filename, kind=kind, created_at=self.clock()))
        await self.session.flush()
        return token

    async def file(self, token: str) -> WebFile | None:
        return await self.session.get(WebFile, token) if 0 < len(token) <= 43 else None

    async def purge_older_than(self, cutoff: dt.datetime) -> int:
        """Events and file links older than the retention (the conversation counters stay)."""
        removed = await self.session.execute(delete(WebEvent).where(WebEvent.created_at < cutoff))
        await self.session.execute(delete(WebFile).where(WebFile.created_at < cutoff))
        return int(getattr(removed, "rowcount", 0) or 0)
