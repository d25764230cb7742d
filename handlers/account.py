"""Language, and the user's own data: see it (/toi) and delete it (/xoadulieu)."""

from __future__ import annotations

from content.i18n import SUPPORTED_LOCALES
from db.models import Role
from handlers.context import Context
from handlers.menu import menu_reply
from handlers.messages import Button, IncomingMessage, Reply
from handlers.subscriptions import topic_names

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


async def choose_language(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/lang [vi|en] or a 'lang:<code>' button: switch language, or offer the choice."""
    command = msg.command
    wanted = (msg.payload or "").partition(":")[2] or (command[1].lower() if command else "")
    if wanted in SUPPORTED_LOCALES:
        ctx.set_locale(wanted)
        return [menu_reply(ctx, ctx.t("Language changed."))]
    buttons = [Button(name, f"lang:{code}") for code, name in LANGUAGE_NAMES.items()]
    return [Reply.with_buttons(ctx.t("Choose your language:"), buttons)]


async def show_my_data(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/toi: everything the bot stores about this user."""
    user, t = ctx.user, ctx.t
    province = ctx.services.places.units.province(user.province)
    asked = await ctx.questions.count_for_user(user.id)
    subscribed = await ctx.subscriptions.topics(user.id)
    lines = [
        t("What I store about you:"),
        t("• Account: {channel} {external_id}", channel=ctx.identity.channel,
          external_id=ctx.identity.external_id),
        t("• First contact: {date}", date=t.fmt.date(user.created_at.astimezone(ctx.services.timezone))),
        t("• Language: {language}", language=LANGUAGE_NAMES.get(user.locale or t.locale, t.locale)),
        t("• Consent to store your location: {answer}", answer=t("yes") if user.location_consent else t("no")),
        t("• Province: {province}", province=province.short if province else t("not stored")),
        t("• News you receive: {topics}", topics=topic_names(ctx, subscribed) if subscribed else t("none")),
        t.plural("• Questions logged: {n}", "• Questions logged: {n}", asked),
    ]
    membership = await ctx.teams.membership(user.id)
    if membership is not None:
        member, team = membership
        lines.append(t("• Team: {team} ({role})", team=team.name,
                       role=t("leader") if member.role >= Role.LEADER else t("member")))
        visits = await ctx.visits.count_of(user.id)
        lines.append(t("• Visits you logged: {n} (deleting your data keeps them for the team's "
                       "report, without your name or account)", n=t.fmt.number(visits)))
    lines.append(t("Delete everything with /xoadulieu."))
    return [Reply("\n".join(lines))]


async def ask_erase(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/xoadulieu: confirm before deleting (next: account.erase)."""
    ctx.goto("account.erase")
    return [Reply.with_buttons(
        ctx.t("Delete all your data (preferences, consent, subscriptions and logged questions)? "
              "This cannot be undone."),
        [Button(ctx.t("Delete my data"), "erase:yes"), Button(ctx.t("Cancel"), "erase:no")])]


async def erase_data(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """Confirmation pressed: delete the user, their identities, state, subscriptions and questions."""
    ctx.finish()
    if (msg.payload or "") != "erase:yes":
        return [menu_reply(ctx, ctx.t("Nothing was deleted."))]
    await ctx.questions.forget_user(ctx.user.id)
    if ctx.identity.channel == "zalo":  # an answer kept for "tiếp" may hold what they wrote
        await ctx.zalo_replies.take_rest(ctx.identity.external_id)
    await ctx.users.delete(ctx.user)
    ctx.erased = True
    return [Reply(ctx.t("Done: all your data has been deleted. If you write again, I will start afresh."))]
