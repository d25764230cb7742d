"""Automatic reminders from content, sent through the broadcast outbox, and /nhacnho where a user
turns each kind on or off.

Once a day (and at start-up) the planner looks `lead` days ahead in the schedule:
- contest: a round opens in `lead` days, or closes in `lead` days → subscribers of contests;
- event: a session is tomorrow → subscribers of events;
- campaign: a campaign starts in `lead` days → subscribers of announcements;
- deadline: a provincial reporting deadline is in `lead` days → that province's team leaders.
Provincial items go to people of that province; national ones to everyone. Each reminder is a
broadcast with a unique `reminder_key`, so however many workers plan at once and however often
they restart, it is created — and sent — once. People who turned a kind off are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from content.i18n import N_, Translator
from content.loader import ContentStore
from content.models import Pack
from db.broadcasts.audience import SYSTEM, AudienceRules
from db.broadcasts.outbox import create_in_session
from db.models import REMINDER_KINDS, Role
from handlers.context import Context
from handlers.messages import Button, IncomingMessage, Reply

KIND_LABELS = {"contest": N_("Contest rounds opening and closing"),
               "event": N_("Events the day before"),
               "campaign": N_("Campaigns starting"),
               "deadline": N_("Reporting deadlines (team leaders)")}


@dataclass(frozen=True)
class Planned:
    key: str
    kind: str
    text: str
    filters: tuple[str, ...]


def _place(pack: Pack) -> tuple[str, ...]:
    return (f"province:{pack.province.current}",) if pack.province else ()


def plan(content: ContentStore, t: Translator, today: dt.date, lead_days: int) -> list[Planned]:
    """The reminders due today, each with its audience."""
    ahead = today + dt.timedelta(days=lead_days)
    tomorrow = today + dt.timedelta(days=1)
    date = t.fmt.date
    found: list[Planned] = []
    for pack, contest in content.contests():
        for number, item in enumerate(contest.rounds):
            where = ("topic:contests", *_place(pack), "reminder:contest")
            if item.start == ahead:
                found.append(Planned(f"contest-open:{contest.id}:{number}:{item.start}", "contest",
                                     t("Reminder: {round} of “{contest}” opens on {date}.",
                                       round=item.name, contest=contest.name,
                                       date=date(item.start)), where))
            if item.end == ahead and item.end != item.start:
                found.append(Planned(f"contest-close:{contest.id}:{number}:{item.end}", "contest",
                                     t("Reminder: {round} of “{contest}” closes on {date}.",
                                       round=item.name, contest=contest.name,
                                       date=date(item.end)), where))
    for pack, event in content.events():
        for session in event.sessions:
            if session.date == tomorrow:
                found.append(Planned(f"event:{event.id}:{session.date}:{session.title}"[:160],
                                     "event",
                                     t("Tomorrow ({date}): {title} — {event}.",
                                       date=date(session.date), title=session.title,
                                       event=event.name),
                                     ("topic:events", *_place(pack), "reminder:event")))
    for pack, campaign in content.campaigns():
        if campaign.start == ahead:
            found.append(Planned(f"campaign:{campaign.id}:{campaign.start}", "campaign",
                                 t("From {start} to {end}: {name}.", start=date(campaign.start),
                                   end=date(campaign.end), name=campaign.name),
                                 ("topic:announcements", *_place(pack), "reminder:campaign")))
    for pack, deadline in content.deadlines():
        due = deadline.next_due(today)
        if pack.province is not None and due == ahead:
            found.append(Planned(f"deadline:{deadline.id}:{due}", "deadline",
                                 t("Reporting deadline on {date}: {title}. See your team's "
                                   "figures with /baocao.", date=date(due), title=deadline.title),
                                 ("role:leader", *_place(pack), "reminder:deadline")))
    return found


async def create_due(session: AsyncSession, content: ContentStore, t: Translator,
                     now: dt.datetime, today: dt.date, lead_days: int,
                     rules: AudienceRules) -> list[int]:
    """Create the broadcasts of today's reminders not created yet; their ids. Each in its own
    savepoint: a reminder another worker created first is skipped, the others still go."""
    created = []
    for item in plan(content, t, today, lead_days):
        try:
            async with session.begin_nested():
                broadcast_id, _ = await create_in_session(
                    session, text=item.text[:1900], filters=item.filters, rules=rules, now=now,
                    reminder_key=item.key, sender=SYSTEM)
            created.append(broadcast_id)
        except IntegrityError:
            continue  # planned already (another worker, an earlier run)
    return created


# -- /nhacnho ------------------------------------------------------------------------------------

async def show_settings(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/nhacnho: each kind of reminder with ✅ when on; pressing one turns it off or on."""
    off = await ctx.reminder_opt_outs.turned_off(ctx.user.id)
    kinds = [kind for kind in REMINDER_KINDS  # the deadline reminder goes to leaders only
             if kind != "deadline" or ctx.role >= Role.LEADER]
    buttons = [Button(("❌ " if kind in off else "✅ ") + ctx.t(KIND_LABELS[kind]), f"rem:{kind}")
               for kind in kinds]
    text = ctx.t("Automatic reminders (for the topics you subscribed to with /dangky). Press one "
                 "to turn it off or on:")
    if ctx.role < Role.LEADER and not await ctx.subscriptions.topics(ctx.user.id):
        text = ctx.t("You are not subscribed to any topic. Subscribe any time with /dangky.") + \
            "\n" + text  # so no reminder reaches you now, whatever is on below
    return [Reply.with_buttons(text, buttons)]


async def toggle(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    kind = (msg.payload or "").partition(":")[2]
    if kind not in REMINDER_KINDS:
        return await show_settings(msg, ctx)
    await ctx.reminder_opt_outs.toggle(ctx.user.id, kind)
    return await show_settings(msg, ctx)
