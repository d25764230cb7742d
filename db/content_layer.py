"""The content layer over the packs, kept in the database so that a change made in the console
reaches every worker without a restart (bot/content_refresh.py): phrasings added to FAQ entries
(from the questions inbox), and revisions of items (FAQ entries, contests, events, promotions,
campaigns, deadlines) added or edited in the console, laid over the packs by content/layer.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from content.layer import LayerItem
from db.models import Clock, ContentPhrasing, ContentRevision, utcnow

MAX_PHRASING = 300


class ContentLayer:
    model = ContentPhrasing
    revision_model = ContentRevision

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

    async def version(self) -> tuple[int, int, int]:
        """Changes with every change to the layer: (the newest phrasing, how many phrasings
        were undone, the newest item revision)."""
        newest, undone = (await self.session.execute(select(
            func.coalesce(func.max(ContentPhrasing.id), 0),
            func.count(ContentPhrasing.removed_at)))).one()
        revision = await self.session.scalar(select(func.coalesce(func.max(ContentRevision.id), 0)))
        return int(newest), int(undone), int(revision or 0)

    # -- items ------------------------------------------------------------------------------

    async def revise(self, kind: str, item_id: str, *, pack: str, province: str | None,
                     data: dict[str, Any] | None, source_doc: dict[str, Any] | None,
                     action: str, by: int | None) -> ContentRevision:
        revision = ContentRevision(kind=kind, item_id=item_id, pack=pack, province=province,
                                   data=data, source_doc=source_doc, action=action,
                                   changed_by=by, changed_at=self.clock().astimezone(dt.UTC))
        self.session.add(revision)
        await self.session.flush()
        return revision

    async def items(self) -> list[LayerItem]:
        """The items the layer holds now: each item's latest revision, unless it took the
        layer's version away; in the order they were last changed."""
        latest: dict[tuple[str, str], ContentRevision] = {}
        for revision in (await self.session.execute(
                select(ContentRevision).order_by(ContentRevision.id))).scalars():
            key = (revision.kind, revision.item_id)
            latest.pop(key, None)  # re-inserted last only while it has data
            latest[key] = revision
        return [LayerItem(r.kind, r.item_id, r.pack, r.data, r.source_doc)
                for r in latest.values() if r.data is not None]

    async def history(self, kind: str, item_id: str) -> list[ContentRevision]:
        """Every change to the item, newest first."""
        return list((await self.session.execute(
            select(ContentRevision).where(ContentRevision.kind == kind,
                                          ContentRevision.item_id == item_id)
            .order_by(ContentRevision.id.desc()))).scalars())

    async def undo(self, revision: ContentRevision, by: int | None) -> ContentRevision | None:
        """Take the item back to what it was before `revision`, its latest change: the
        revision before it, or the pack's own (none, for an item the console added). None
        when `revision` is not the item's latest change any more."""
        history = await self.history(revision.kind, revision.item_id)
        if not history or history[0].id != revision.id:
            return None
        before = history[1] if len(history) > 1 else None
        return await self.revise(
            revision.kind, revision.item_id, pack=revision.pack, province=revision.province,
            data=before.data if before else None,
            source_doc=before.source_doc if before else None, action="undone", by=by)
