"""Button payloads kept server-side when a platform's limit is too small for them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CallbackPayload


class CallbackPayloadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def store(self, payload: str) -> int:
        row = CallbackPayload(payload=payload)
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def load(self, key: str) -> str | None:
        if not key.isdigit():
            return None
        row = await self.session.get(CallbackPayload, int(key))
        return row.payload if row else None

    async def purge_older_than(self, cutoff: dt.datetime) -> int:
        result = await self.session.execute(delete(CallbackPayload).where(CallbackPayload.created_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
