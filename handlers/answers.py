"""Render content (FAQ answers, schedule standings, sources) as text for one reader."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from content.bodies import renamed_in
from content.models import FaqEntry
from content.models import Province as PackProvince
from content.places import Province
from content.schedule import Phase, Standing, span_of, standing
from handlers.context import Context
from handlers.messages import Reply

CONTENT_LOCALE = "vi"
"""The language the plans, and so every answer taken from them, are written in."""


def in_content_language(ctx: Context) -> Context:
    """The context for writing an answer from the plans: in Vietnamese, labels included, so a
    message never mixes an English "Source:" into a Vietnamese answer. Only for writing text:
    state changes belong on `ctx` itself."""
    if ctx.t.locale == CONTENT_LOCALE:
        return ctx
    return dataclasses.replace(ctx, t=ctx.services.catalogs.translator(CONTENT_LOCALE))


def official(ctx: Context, replies: list[Reply]) -> list[Reply]:
    """Answers from the plans for a reader of another language: said first, in their language,
    that the official answer is in Vietnamese, in a message of its own."""
    if ctx.t.locale == CONTENT_LOCALE:
        return replies
    return [Reply(ctx.t("The plans are written in Vietnamese, so the official answer is in "
                        "Vietnamese:")), *replies]


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


_YES_LEAD = re.compile(r"^(?:Có|Được)(?: ạ)?[.,!]\s*")
"""A yes at the head of an answer ("Có ạ. …"): about something over, it would read as "yes, now"."""


def faq_text(ctx: Context, faq: FaqEntry) -> str:
    """The answer, its live schedule standing, the year it holds for, and its source. A yes
    about something that is over starts with that instead, so it cannot read as "yes, now"."""
    answer = ctx.t.fmt.render(faq.answer.strip())
    span = schedule_span(ctx, faq.schedule, faq.year) if faq.schedule else None
    over = span is not None and standing(*span, ctx.today).phase is Phase.OVER
    if span is not None and over and _YES_LEAD.match(answer):
        lines = [ctx.t("This is over: it took place {period}. What the plan said:",
                       period=ctx.t.fmt.date_range(*span)), _YES_LEAD.sub("", answer, count=1)]
    else:
        lines = [answer]
        if span is not None:
            lines.append(standing_text(ctx, *span) + ".")
    if faq.year:
        lines.append(ctx.t("Applies to {year}.", year=faq.year))
    lines += today_notes(ctx, faq)
    lines.append(source_line(ctx, faq))
    return "\n".join(lines)


def today_notes(ctx: Context, faq: FaqEntry) -> list[str]:
    """What changed since the plan an answer is from."""
    return changes_since_plan(ctx, ctx.content.faq_pack[faq.id].province, faq.answer)


def changes_since_plan(ctx: Context, province: PackProvince | None, text: str) -> list[str]:
    """What changed since a plan: its province is now part of another one; a body the text
    names is called otherwise today."""
    notes = []
    current = ctx.services.places.units.province(province.current) if province else None
    if province is not None and current is not None and current.slug != province.slug:
        notes.append(former_province_note(ctx, province.name, current))
    for body in renamed_in(text):
        if body.since is None:
            notes.append(ctx.t("{former} is now part of the {today}.", former=body.former,
                               today=body.today))
        else:
            notes.append(ctx.t("{former} is now part of the {today} (since {date}).",
                               former=body.former, today=body.today,
                               date=ctx.t.fmt.date(body.since)))
    return notes


def former_province_note(ctx: Context, former: str, province: Province) -> str:
    """'Tiền Giang nay thuộc tỉnh Đồng Tháp (từ 01/7/2025).'"""
    return ctx.t("{former} is now part of {province} (since {date}).", former=former,
                 province=province.in_sentence,
                 date=ctx.t.fmt.date(ctx.services.places.units.effective))


def schedule_span(ctx: Context, item_id: str,
                  year: int | None = None) -> tuple[dt.date, dt.date] | None:
    """First and last day of a contest, event, promotion, campaign or deadline (its edition of
    `year`, when it has rounds or sessions in several years)."""
    item = ctx.content.schedule.get(item_id)
    return None if item is None else span_of(item, ctx.today, year)
