"""The content layer over the packs, kept in the database so that a change made in the console
reaches every worker without a restart (bot/content_refresh.py). First part: phrasings added
to FAQ entries (from the questions inbox)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Clock, ContentPhrasing, utcnow

MAX_PHRASING = 300


class ContentLayer:
    model = ContentPhrasing

    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock

    async def add_phrasing(self, faq_id: str, text: str, *, province: str | None,
                           by: int | None) -> ContentPhrasing | None:
        """Add a phrasing to an entry; None when the entry has it already (or it is blank)."""
        text = " ".join(text.split())[:MAX_PHRASING]
        if not text:
            return None
        present = await self.session.scalar(select(ContentPhrasing.id).where(
            ContentPhrasing.faq_id == faq_id, ContentPhrasing.text == text,
            ContentPhrasing.removed_at.is_(None)))
        if present is not None:
            return None
        phrasing = ContentPhrasing(faq_id=faq_id, text=text, province=province, added_by=by,
                                   created_at=self.clock().astimezone(dt.UTC))
        self.session.add(phrasing)
        await self.session.flush()
        return phrasing

    async def added(self, faq_ids: set[str] | None = None,
                    limit: int = 500) -> list[ContentPhrasing]:
        """The phrasings in force, newest first; of these entries only when given."""
        statement = (select(ContentPhrasing).where(ContentPhrasing.removed_at.is_(None))
                     .order_by(ContentPhrasing.id.desc()).limit(limit))
        if faq_ids is not None:
            statement = statement.where(ContentPhrasing.faq_id.in_(faq_ids))
        return list((await self.session.execute(statement)).scalars())

    async def remove(self, phrasing_id: int) -> ContentPhrasing | None:
        """Undo an added phrasing; None when it is not in force."""
        phrasing = await self.session.get(ContentPhrasing, phrasing_id)
        if phrasing is None or phrasing.removed_at is not None:
            return None
        phrasing.removed_at = self.clock().astimezone(dt.UTC)
        return phrasing

    async def phrasings(self) -> dict[str, list[str]]:
        """Every added phrasing in force, by entry."""
        rows = await self.session.execute(
            select(ContentPhrasing.faq_id, ContentPhrasing.text)
            .where(ContentPhrasing.removed_at.is_(None)).order_by(ContentPhrasing.id))
        found: dict[str, list[str]] = {}
        for faq_id, text in rows:
            found.setdefault(faq_id, []).append(text)
        return found

    async def version(self) -> tuple[int, int]:
        """Changes when a phrasing is added or undone: (the newest id, how many were undone)."""
        newest, undone = (await self.session.execute(select(
            func.coalesce(func.max(ContentPhrasing.id), 0),
            func.count(ContentPhrasing.removed_at)))).one()
        return int(newest), int(undone)
