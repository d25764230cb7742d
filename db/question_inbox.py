"""The questions inbox of the console: what citizens asked that the bot refused or answered
with low confidence, grouped, most asked (or newest) first, within one province or all.

A group is every question with the same normalised text, with near variants folded into the
most asked one (rapidfuzz's normalised Indel similarity, fuzz.ratio, at least VARIANT_SCORE:
"cuoc thi nam nay la gi" and "cuoc thi nam nay la gi vay" or "…nam nay gi", not "…nam nay o
dau"; token_set_ratio was not used: it calls a text the same as any longer one holding its
words). The database does the counting (one GROUP BY); the TEXTS_LIMIT most asked distinct
texts are then compared all with all in one rapidfuzz cdist call (C, every core).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, and_, case, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Clock, QuestionDismissal, QuestionLog, as_utc, utcnow

LOW_CONFIDENCE = 0.72
"""Answered, but with a score this low: worth an officer's look (the matcher answers from
0.64, content/match_records.py)."""
VARIANT_SCORE = 88
TEXTS_LIMIT = 2000
"""Distinct question texts grouped at most (the most asked); the rest are counted as more."""
REASONS = ("out_of_scope", "small_talk", "answered")
EVERY_PROVINCE = None

Order = Literal["most", "newest"]

OPERATOR_CHANNEL = "cli"
"""`cdsbot ask`'s channel: an operator trying questions, not a citizen asking them."""


def waiting() -> list[ColumnElement[bool]]:
    """Logged questions still waiting for an officer: asked by people (not by `cdsbot ask`)
    and not set aside or added to an entry in their province (or everywhere)."""
    q = QuestionLog
    dismissed = exists().where(
        QuestionDismissal.normalized_text == q.normalized_text,
        or_(QuestionDismissal.province.is_(None), QuestionDismissal.province == q.province))
    return [q.channel != OPERATOR_CHANNEL, ~dismissed]


@dataclass
class Group:
    key: str
    """The normalised text of its most asked variant: how a group is named in forms."""
    example: str
    """One of its questions as written (personal data redacted when logged)."""
    count: int
    refused: int
    last_at: dt.datetime
    variants: list[str] = field(default_factory=list)
    """The other normalised texts folded in."""


@dataclass(frozen=True, slots=True)
class Filter:
    province: str | None
    """A province slug; None: every province (admins), including questions with none."""
    start: dt.datetime
    end: dt.datetime


class QuestionInbox:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock

    async def groups(self, where: Filter, order: Order = "most",
                     limit: int = 100) -> list[Group]:
        q = QuestionLog
        needs_look = or_(q.matched.is_(False), q.score < LOW_CONFIDENCE)
        in_window = and_(q.created_at >= where.start, q.created_at < where.end)
        statement = (
            select(q.normalized_text, func.count(), func.sum(case((q.matched.is_(False), 1),
                                                                  else_=0)),
                   func.max(q.created_at), func.max(q.text), func.min(q.text))
            .where(needs_look, in_window, *waiting())
            .group_by(q.normalized_text)
            .order_by(func.count().desc(), func.max(q.created_at).desc())
            .limit(TEXTS_LIMIT))
        if where.province is not None:
            statement = statement.where(q.province == where.province)
        rows = (await self.session.execute(statement)).all()
        groups = _fold_variants([Group(key=text, example=_better_written(one, other) or text,
                                       count=int(count), refused=int(refused or 0),
                                       last_at=as_utc(last))
                                 for text, count, refused, last, one, other in rows])
        if order == "newest":
            groups.sort(key=lambda g: g.last_at, reverse=True)
        return groups[:limit]

    async def dismiss(self, key: str, province: str | None, reason: str,
                      by: int | None) -> None:
        self.session.add(QuestionDismissal(normalized_text=key[:1000], province=province,
                                           reason=reason, dismissed_by=by,
                                           dismissed_at=self.clock().astimezone(dt.UTC)))

    async def restore(self, key: str, province: str | None, reason: str) -> None:
        """Bring a question set aside for `reason` back into the inbox (its phrasing undone)."""
        await self.session.execute(delete(QuestionDismissal).where(
            QuestionDismissal.normalized_text == key[:1000], QuestionDismissal.reason == reason,
            QuestionDismissal.province.is_(None) if province is None
            else QuestionDismissal.province == province))


def _better_written(one: str | None, other: str | None) -> str | None:
    """Of two ways a question was written, the one with more diacritics (easier to read)."""
    return max((one, other), key=lambda text: sum(not c.isascii() for c in text or ""))


def _fold_variants(groups: Sequence[Group]) -> list[Group]:
    """Fold each text into the most asked group it nearly equals (groups come most asked
    first, so a group is named by its most asked variant)."""
    import numpy as np  # here: numpy is 16 MB of a worker that never opens the inbox

    if not groups:
        return []
    keys = [group.key for group in groups]
    similar = process.cdist(keys, keys, scorer=fuzz.ratio, score_cutoff=VARIANT_SCORE,
                            dtype=np.uint8, workers=-1) >= VARIANT_SCORE
    is_kept = np.zeros(len(groups), dtype=bool)
    for index, group in enumerate(groups):
        near = np.flatnonzero(similar[index, :index] & is_kept[:index])
        if not len(near):
            is_kept[index] = True
            continue
        into = groups[int(near[0])]
        into.count += group.count
        into.refused += group.refused
        into.last_at = max(into.last_at, group.last_at)
        into.variants.append(group.key)
    return [group for group, kept in zip(groups, is_kept, strict=True) if kept]
