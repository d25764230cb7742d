"""Topic views that know today: the Day, themes, contests, events, promotions, teams, links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar

from content.i18n import N_
from content.models import Contest, Event, Pack
from content.schedule import Phase, next_yearly, span_of, standing
from handlers.answers import (
    CONTENT_LOCALE,
    changes_since_plan,
    describe_standing,
    faq_text,
    in_content_language,
    official,
    standing_text,
)
from handlers.context import Context
from handlers.faq import short_label
from handlers.menu import menu_buttons, show_menu
from handlers.messages import Button, IncomingMessage, Reply

NATIONAL_DAY = (10, 10)
"""10 October every year (Decision 505/QĐ-TTg of 22/4/2022)."""
MAX_ITEMS = 5
T = TypeVar("T")


def _locality(ctx: Context, pack: Pack) -> int:
    """Where a pack's items come in a list: the user's province (0), national (1), another
    province (2)."""
    if pack.province is None:
        return 1
    return 0 if pack.province.current == ctx.user.province else 2


def _topic_buttons(ctx: Context, topic: str) -> list[Button]:
    """Buttons to the FAQ entries of a topic, the user's province first (at most five) + menu."""
    entries = [e for e in ctx.content.faq.values() if e.topic == topic]
    entries.sort(key=lambda e: _locality(ctx, ctx.content.faq_pack[e.id]))
    buttons = [Button(short_label(e.questions[0]), f"faq:{e.id}") for e in entries[:MAX_ITEMS]]
    return [*buttons, Button(ctx.t("Menu"), "topic:menu")]


def with_topic_buttons(ctx: Context, text: str, topic: str) -> list[Reply]:
    """A topic view and the buttons to its questions. The questions are the plans' own, in
    Vietnamese: a reader of another language gets them in a Vietnamese message of their own."""
    if ctx.t.locale == CONTENT_LOCALE:
        return [Reply.with_buttons(text, _topic_buttons(ctx, topic))]
    vi = in_content_language(ctx)
    return [Reply.with_buttons(text, [Button(ctx.t("Menu"), "topic:menu")]),
            Reply.with_buttons(vi.t("Common questions:"), _topic_buttons(vi, topic)[:-1])]


async def show_day(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """The Day: its date and a countdown to the next one, then its FAQ entries."""
    month, day = NATIONAL_DAY
    next_day = next_yearly(month, day, ctx.today)
    days = (next_day - ctx.today).days
    if days == 0:
        when = ctx.t("Today is National Digital Transformation Day!")
    else:
        when = ctx.t.plural("{n} day until the next one ({date}).", "{n} days until the next one ({date}).",
                            days, date=ctx.t.fmt.date(next_day))
    text = ctx.t("National Digital Transformation Day is 10 October every year "
                 "(Decision 505/QĐ-TTg of 22/4/2022).") + " " + when
    return with_topic_buttons(ctx, text, "day")


async def show_themes(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """Each year's theme, newest first, with sources."""
    entries = sorted((e for e in ctx.content.faq.values() if e.topic == "themes"),
                     key=lambda e: -(e.year or 0))
    if not entries:
        return [Reply.with_buttons(ctx.t("No themes are recorded yet."), menu_buttons(ctx))]
    vi = in_content_language(ctx)
    text = "\n\n".join(faq_text(vi, e) for e in entries[:MAX_ITEMS])
    return official(ctx, [Reply.with_buttons(text, [Button(vi.t("Menu"), "topic:menu")])])


def _contest_lines(ctx: Context, contest: Contest) -> list[str]:
    lines = [f"• {contest.name}"]
    for round_ in contest.rounds:
        dates = round_.note or ctx.t.fmt.date_range(round_.start, round_.end)
        lines.append(f"  – {round_.name}: {dates}. {standing_text(ctx, round_.start, round_.end)}.")
    if contest.link:
        lines.append(f"  {contest.link}")
    return lines


def _by_phase(ctx: Context, spans: list[tuple[dt.date, dt.date]],
              packs: Sequence[Pack]) -> list[int]:
    """Indexes: what is running or upcoming before what is over; within each, by place (the
    user's province, national, others), then running before upcoming, most recent first."""
    order = {Phase.RUNNING: 0, Phase.UPCOMING: 1, Phase.OVER: 2}
    phases = [order[standing(s, e, ctx.today).phase] for s, e in spans]
    keyed = [(phase == 2, _locality(ctx, pack), phase, -e.toordinal(), i)
             for i, ((_, e), pack, phase) in enumerate(zip(spans, packs, phases, strict=True))]
    return [i for *_, i in sorted(keyed)]


async def show_contests(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """Contests: running and upcoming first, each round with its dates and standing."""
    return _dated_listing(ctx, ctx.content.contests(), ctx.t("Contests:"), ctx.t("No contests are recorded yet."),
                          _contest_lines, "contests")


def _dated_listing(ctx: Context, items: Sequence[tuple[Pack, T]], heading: str, empty: str,
                   lines_of: Callable[[Context, T], list[str]], topic: str) -> list[Reply]:
    """A topic's dated items, the user's province first, running and upcoming before over,
    then the topic's FAQ buttons."""
    if not items:
        return [Reply.with_buttons(empty, menu_buttons(ctx))]
    spans = [span_of(item, ctx.today) for _, item in items]
    lines = [heading]
    for i in _by_phase(ctx, spans, [pack for pack, _ in items])[:MAX_ITEMS]:
        lines.extend(lines_of(ctx, items[i][1]))
    return with_topic_buttons(ctx, "\n".join(lines), topic)


def _event_lines(ctx: Context, event: Event) -> list[str]:
    lines = [f"• {event.name}"]
    for session in event.sessions:
        when = ctx.t.fmt.weekday_date(session.date)
        if session.time:
            when += f", {_session_time(ctx, session.time)}"
        where = f" ({session.venue})" if session.venue else ""
        lines.append(f"  – {when}: {session.title}{where}")
    lines.append(f"  {standing_text(ctx, *span_of(event, ctx.today))}.")
    return lines


PARTS_OF_DAY = {"sáng": N_("morning"), "chiều": N_("afternoon"), "tối": N_("evening"),
                "cả ngày": N_("all day")}


def _session_time(ctx: Context, value: str) -> str:
    """'19:30' in the reader's locale ('7:30 PM' in English); a part of day translated."""
    if ":" not in value:
        return ctx.t(PARTS_OF_DAY[value]) if value in PARTS_OF_DAY else value
    hour, minute = value.split(":")
    return ctx.t.fmt.time(dt.time(int(hour), int(minute)))


async def show_events(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """Events and programmes, running and upcoming first, with dates, times and venues."""
    return _dated_listing(ctx, ctx.content.events(), ctx.t("Events:"), ctx.t("No events are recorded yet."),
                          _event_lines, "events")


async def show_promotions(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """Promotions running now first; says so plainly when none is running."""
    promotions = ctx.content.promotions()
    spans = [(p.start, p.end) for _, p in promotions]
    order = _by_phase(ctx, spans, [pack for pack, _ in promotions])
    running = [i for i in order if standing(*spans[i], ctx.today).phase is Phase.RUNNING]
    lines = [] if running else [ctx.t("No promotion is running right now. The most recent ones:")]
    for i in order[:MAX_ITEMS]:
        promo = promotions[i][1]
        dates = ctx.t.fmt.date_range(promo.start, promo.end)
        note = f" ({promo.note})" if promo.note else ""
        lines.append(f"• {promo.platform}: {ctx.t.fmt.render(promo.offer)}. {dates}{note}. "
                     f"{describe_standing(ctx, standing(promo.start, promo.end, ctx.today))}.")
        if promo.link:
            lines.append(f"  {promo.link}")
    return with_topic_buttons(ctx, "\n".join(lines), "promotions")


async def show_teams(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """Community tech team campaigns: what teams help with and when."""
    campaigns = ctx.content.campaigns()
    spans = [(c.start, c.end) for _, c in campaigns]
    lines = [ctx.t("Community digital technology teams (Tổ công nghệ số cộng đồng) guide residents "
                   "house by house. Campaigns:")]
    for i in _by_phase(ctx, spans, [pack for pack, _ in campaigns])[:MAX_ITEMS]:
        pack, campaign = campaigns[i]
        place = f" – {pack.province.name}" if pack.province else ""
        lines.append(f"• {campaign.name}{place}: {ctx.t.fmt.date_range(campaign.start, campaign.end)}. "
                     f"{standing_text(ctx, campaign.start, campaign.end)}.")
        if campaign.services:
            lines.append("  " + ctx.t("Helps with: {services}", services="; ".join(campaign.services)))
    return with_topic_buttons(ctx, "\n".join(lines), "teams")


async def show_resources(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """Official links and documents from the plans."""
    resources = sorted(ctx.content.resources(), key=lambda pr: _locality(ctx, pr[0]))
    lines = [ctx.t("Official links and documents:")]
    lines += [f"• {r.title}: {r.url}" + (f" – {r.description}" if r.description else "")
              for _, r in resources]
    buttons = [Button(short_label(r.title), url=r.url) for _, r in resources[:MAX_ITEMS]]
    return [Reply.with_buttons("\n".join(lines), [*buttons, Button(ctx.t("Menu"), "topic:menu")])]


async def show_deadlines(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """Reporting deadlines from the plans: the user's province first, then national, then
    others; within each, the next first."""
    deadlines = ctx.content.deadlines()
    dues = [(d.next_due(ctx.today), p, d) for p, d in deadlines]
    dues.sort(key=lambda x: (_locality(ctx, x[1]), x[0] < ctx.today,
                             abs((x[0] - ctx.today).days)))
    coming = any(due >= ctx.today for due, _, _ in dues)
    lines = [ctx.t("Reporting deadlines:") if coming else
             ctx.t("No reporting deadline is coming up in the plans. The past ones:")]
    notes: list[str] = []  # what changed since the plans, said once under the list
    for due, pack, deadline in dues[: MAX_ITEMS * 2]:
        place = f" ({pack.province.name})" if pack.province else ""
        lines.append(f"• {ctx.t.fmt.date(due)}{place}: {deadline.title}. "
                     f"{_due_text(ctx, due)}.")
        notes += [n for n in changes_since_plan(ctx, pack.province, deadline.title)
                  if n not in notes]
    return with_topic_buttons(ctx, "\n".join([*lines, *notes]), "reporting")


def _due_text(ctx: Context, due: dt.date) -> str:
    """A deadline is due, not "starting": in n days, today, or passed."""
    days = (due - ctx.today).days
    if days > 0:
        return ctx.t.plural("Due in {n} day", "Due in {n} days", days)
    return ctx.t("Due today") if days == 0 else ctx.t("Passed")


TOPIC_VIEWS = {
    "menu": show_menu,
    "day": show_day,
    "themes": show_themes,
    "contests": show_contests,
    "events": show_events,
    "promotions": show_promotions,
    "teams": show_teams,
    "resources": show_resources,
    "reporting": show_deadlines,
}


async def show_topic(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """A pressed 'topic:<name>' button."""
    view = TOPIC_VIEWS.get((msg.payload or "").partition(":")[2], show_menu)
    return await view(msg, ctx)
