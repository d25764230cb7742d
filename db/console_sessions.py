"""Where the console keeps its signed-in browsers: the database (`console_sessions`), or Redis
when REDIS_URL is set (every worker then reads sessions without a database round trip, and
they expire by themselves). Either way only the cookie's SHA-256 is kept, and a session signed
out of is gone at once for every worker.

db/console.py decides what a session allows (lifetime, idle time, the user's role); a store only
keeps them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ConsoleSession, as_utc


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id_hash: str
    user_id: int
    csrf: str
    last_seen_at: dt.datetime
    expires_at: dt.datetime


class SessionStore(Protocol):
    async def add(self, record: SessionRecord) -> None: ...

    async def get(self, id_hash: str) -> SessionRecord | None:
        """The session, unless it was signed out of (or never existed)."""

    async def seen(self, record: SessionRecord, at: dt.datetime) -> None: ...

    async def revoke(self, record: SessionRecord, at: dt.datetime) -> None: ...

    async def revoke_all(self, user_id: int, at: dt.datetime) -> int:
        """Sign the user out everywhere; how many sessions were still kept."""

    async def of_user(self, user_id: int) -> list[SessionRecord]:
        """The user's sessions not signed out of (some may have expired)."""


class DatabaseSessions:
    """In the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, record: SessionRecord) -> None:
        self.session.add(ConsoleSession(id_hash=record.id_hash, user_id=record.user_id,
                                        csrf=record.csrf, created_at=record.last_seen_at,
                                        last_seen_at=record.last_seen_at,
                                        expires_at=record.expires_at))
        await self.session.flush()

    async def get(self, id_hash: str) -> SessionRecord | None:
        row = await self.session.get(ConsoleSession, id_hash)
        return None if row is None or row.revoked_at is not None else _record(row)

    async def seen(self, record: SessionRecord, at: dt.datetime) -> None:
        await self.session.execute(update(ConsoleSession).where(
            ConsoleSession.id_hash == record.id_hash).values(last_seen_at=at))

    async def revoke(self, record: SessionRecord, at: dt.datetime) -> None:
        await self.session.execute(update(ConsoleSession).where(
            ConsoleSession.id_hash == record.id_hash).values(revoked_at=at))

    async def revoke_all(self, user_id: int, at: dt.datetime) -> int:
        result = await self.session.execute(
            update(ConsoleSession).where(ConsoleSession.user_id == user_id,
                                         ConsoleSession.revoked_at.is_(None))
            .values(revoked_at=at))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def of_user(self, user_id: int) -> list[SessionRecord]:
        rows = await self.session.execute(select(ConsoleSession).where(
            ConsoleSession.user_id == user_id, ConsoleSession.revoked_at.is_(None)))
        return [_record(row) for row in rows.scalars()]


def _record(row: ConsoleSession) -> SessionRecord:
    return SessionRecord(row.id_hash, row.user_id, row.csrf, as_utc(row.last_seen_at),
                         as_utc(row.expires_at))


_SEEN_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'last_seen_at', ARGV[1]) end
"""
"""Touch a session only if it is still there (signed out of meanwhile: nothing recreated)."""

_REVOKE_ALL_SCRIPT = """
local n = 0
for _, id_hash in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  n = n + redis.call('DEL', ARGV[1] .. id_hash)
end
redis.call('DEL', KEYS[1])
return n
"""
"""Every session of a user and the user's set at once, so a sign-in meanwhile is not lost."""


class RedisSessions:
    """A hash per session (`<prefix>session:<sha256>`, expiring with the session) and a set of
    them per user (`<prefix>user:<id>`), for signing out everywhere. The times are kept and
    compared by db/console.py with the bot's clock; Redis's expiry only clears them away."""

    def __init__(self, url: str, prefix: str = "cdsbot:console:") -> None:
        import redis.asyncio as redis  # only deployments with REDIS_URL need the package

        self.client: Any = redis.Redis.from_url(url, decode_responses=True)
        self.prefix = prefix
        self._seen = self.client.register_script(_SEEN_SCRIPT)
        self._revoke_all = self.client.register_script(_REVOKE_ALL_SCRIPT)

    def _session_key(self, id_hash: str) -> str:
        return f"{self.prefix}session:{id_hash}"

    def _user_key(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}"

    async def add(self, record: SessionRecord) -> None:
        lifetime = max(1, math.ceil((record.expires_at - record.last_seen_at).total_seconds()))
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(self._session_key(record.id_hash), mapping={
                "user_id": record.user_id, "csrf": record.csrf,
                "last_seen_at": record.last_seen_at.isoformat(),
                "expires_at": record.expires_at.isoformat()})
            pipe.expire(self._session_key(record.id_hash), lifetime)
            pipe.sadd(self._user_key(record.user_id), record.id_hash)
            pipe.expire(self._user_key(record.user_id), lifetime)  # the newest lasts longest
            await pipe.execute()

    async def get(self, id_hash: str) -> SessionRecord | None:
        return _parsed(id_hash, await self.client.hgetall(self._session_key(id_hash)))

    async def seen(self, record: SessionRecord, at: dt.datetime) -> None:
        await self._seen(keys=[self._session_key(record.id_hash)], args=[at.isoformat()])

    async def revoke(self, record: SessionRecord, at: dt.datetime) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.delete(self._session_key(record.id_hash))
            pipe.srem(self._user_key(record.user_id), record.id_hash)
            await pipe.execute()

    async def revoke_all(self, user_id: int, at: dt.datetime) -> int:
        return int(await self._revoke_all(keys=[self._user_key(user_id)],
                                          args=[self._session_key("")]))

    async def of_user(self, user_id: int) -> list[SessionRecord]:
        id_hashes = sorted(await self.client.smembers(self._user_key(user_id)))
        async with self.client.pipeline(transaction=False) as pipe:
            for id_hash in id_hashes:
                pipe.hgetall(self._session_key(id_hash))
            found = await pipe.execute()
        records = [_parsed(h, fields) for h, fields in zip(id_hashes, found, strict=True)]
        return [record for record in records if record is not None]

    async def close(self) -> None:
        await self.client.aclose()


def _parsed(id_hash: str, fields: dict[str, str]) -> SessionRecord | None:
    if not fields:
        return None
    return SessionRecord(id_hash, int(fields["user_id"]), fields["csrf"],
                         dt.datetime.fromisoformat(fields["last_seen_at"]),
                         dt.datetime.fromisoformat(fields["expires_at"]))
