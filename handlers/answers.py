"""Render content (FAQ answers, schedule standings, sources) as text for one reader."""

from __future__ import annotations

import datetime as dt

from content.models import FaqEntry
from content.schedule import Phase, Standing, span_of, standing
from handlers.context import Context


def standing_text(ctx: Context, start: dt.date, end: dt.date) -> str:
    """'Đang diễn ra, còn 5 ngày' / 'Sắp diễn ra, còn 3 ngày nữa' / 'Đã kết thúc'."""
    return describe_standing(ctx, standing(start, end, ctx.today))


def describe_standing(ctx: Context, where: Standing) -> str:
    t = ctx.t
    if where.phase is Phase.UPCOMING:
        return t.plural("Upcoming: starts in {n} day", "Upcoming: starts in {n} days", where.days)
    if where.phase is Phase.RUNNING:
        if where.days == 0:
            return t("Running: today is the last day")
        return t.plural("Running: {n} day left", "Running: {n} days left", where.days)
    return t("Over")


def source_line(ctx: Context, faq: FaqEntry) -> str:
    pack = ctx.content.faq_pack[faq.id]
    source = ctx.content.source_of(pack, faq.source.doc)
    return ctx.t("Source: {title}, {section}", title=source.title, section=faq.source.section)


def faq_text(ctx: Context, faq: FaqEntry) -> str:
    """The answer, its live schedule standing, the year it holds for, and its source."""
    lines = [ctx.t.fmt.render(faq.answer.strip())]
    if faq.schedule:
        span = schedule_span(ctx, faq.schedule)
        if span is not None:
            lines.append(standing_text(ctx, *span) + ".")
    if faq.year:
        lines.append(ctx.t("Applies to {year}.", year=faq.year))
    lines.append(source_line(ctx, faq))
    return "\n".join(lines)


def schedule_span(ctx: Context, item_id: str) -> tuple[dt.date, dt.date] | None:
    """First and last day of a contest, event, promotion, campaign or deadline."""
    item = ctx.content.schedule.get(item_id)
    return None if item is None else span_of(item, ctx.today)
