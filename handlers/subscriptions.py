"""Subscriptions to topics: /dangky (toggle buttons, or topics typed after it), /huydangky."""

from __future__ import annotations

from content.i18n import N_
from content.normalize import tokenize
from db.models import TOPICS
from handlers.context import Context
from handlers.menu import menu_reply
from handlers.messages import Button, IncomingMessage, Reply

TOPIC_LABELS: dict[str, str] = {
    "announcements": N_("Announcements"),
    "contests": N_("Contests"),
    "events": N_("Events"),
    "promotions": N_("Promotions"),
}

# Words typed after /dangky ("/dangky cuoc thi"), folded as tokenize() folds them.
TOPIC_WORDS: dict[str, str] = {
    "thong bao": "announcements", "tin tuc": "announcements", "announcements": "announcements",
    "cuoc thi": "contests", "thi": "contests", "contests": "contests",
    "su kien": "events", "chuong trinh": "events", "events": "events",
    "khuyen mai": "promotions", "uu dai": "promotions", "promotions": "promotions",
    "tat ca": "all", "all": "all",
}


def topic_names(ctx: Context, topics: list[str]) -> str:
    """'Contests, Events' in the user's language."""
    return ", ".join(ctx.t(TOPIC_LABELS[topic]) for topic in topics)


async def subscription_menu(ctx: Context, text: str | None = None) -> Reply:
    """The toggle view: one button per topic (✅ when subscribed), 'All' and 'Done' (6 buttons)."""
    subscribed = await ctx.subscriptions.topics(ctx.user.id)
    buttons = [Button(("✅ " if topic in subscribed else "") + ctx.t(TOPIC_LABELS[topic]), f"sub:{topic}")
               for topic in TOPICS]
    buttons += [Button(ctx.t("All"), "sub:all"), Button(ctx.t("Done"), "sub:done")]
    prompt = ctx.t("Which news would you like to receive? Press a topic to turn it on or off.")
    return Reply.with_buttons(f"{text}\n{prompt}" if text else prompt, buttons)


async def offer_subscription(ctx: Context, text: str) -> Reply:
    """The topic menu after /start, inviting to subscribe (its last button is 'Subscribe to news')."""
    if await ctx.subscriptions.topics(ctx.user.id):
        return menu_reply(ctx, text)
    offer = ctx.t("Would you like news about {topics}? Press “Subscribe to news”.",
                  topics=topic_names(ctx, list(TOPICS)).lower())
    return menu_reply(ctx, f"{text}\n{offer}")


async def subscribe(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/dangky: the toggle buttons, or subscribe at once to the topics typed after it."""
    command = msg.command
    words = f" {' '.join(tokenize(command[1]))} " if command and command[1] else ""
    if not words:
        return [await subscription_menu(ctx)]
    wanted = {topic for phrase, topic in TOPIC_WORDS.items() if f" {phrase} " in words}
    topics = list(TOPICS) if "all" in wanted else [t for t in TOPICS if t in wanted]
    if not topics:
        return [await subscription_menu(ctx, ctx.t("I don't know that topic."))]
    await ctx.subscriptions.subscribe(ctx.user.id, *topics)
    return [await subscription_menu(ctx, ctx.t("Subscribed: {topics}.", topics=topic_names(ctx, topics)))]


async def toggle_subscription(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """A 'sub:<topic|all|done|menu>' button: toggle a topic, take all, or finish; then the view."""
    choice = (msg.payload or "").partition(":")[2]
    if choice == "done":
        return [await confirm_subscriptions(ctx)]
    if choice == "all":
        await ctx.subscriptions.subscribe(ctx.user.id, *TOPICS)
    elif choice in TOPICS:
        if choice in await ctx.subscriptions.topics(ctx.user.id):
            await ctx.subscriptions.unsubscribe(ctx.user.id, choice)
        else:
            await ctx.subscriptions.subscribe(ctx.user.id, choice)
    return [await subscription_menu(ctx)]


async def confirm_subscriptions(ctx: Context) -> Reply:
    """'Done': say what the user will receive, then the topic menu."""
    topics = await ctx.subscriptions.topics(ctx.user.id)
    if not topics:
        return menu_reply(ctx, ctx.t("You are not subscribed to any topic. Subscribe any time with /dangky."))
    return menu_reply(ctx, ctx.t("Thank you! You will receive news about: {topics}. "
                                 "Stop any time with /huydangky.", topics=topic_names(ctx, topics)))


async def unsubscribe_all(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/huydangky: drop every subscription and say how to come back."""
    removed = await ctx.subscriptions.unsubscribe_all(ctx.user.id)
    text = (ctx.t("Done: you will no longer receive news. To subscribe again, type /dangky.") if removed
            else ctx.t("You are not subscribed to any topic. Subscribe any time with /dangky."))
    return [menu_reply(ctx, text)]


OPT_OUT_WORDS = frozenset({"huy", "dung", "stop", "huy dang ky", "huy dang ki", "dung nhan tin",
                           "unsubscribe", "ngung nhan tin"})
"""Typed alone (folded: "Hủy", "DỪNG", "stop"), these stop all news at once."""


def is_opt_out(text: str) -> bool:
    return len(text) <= 30 and " ".join(tokenize(text)) in OPT_OUT_WORDS


async def opt_out(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """'hủy' / 'dừng' / 'stop': inside a form it stops the form (the likelier wish, and nothing is
    lost: typing it again unsubscribes); otherwise every subscription ends at once."""
    if ctx.step is not None:
        ctx.finish()
        return [menu_reply(ctx, ctx.t("Stopped: nothing of that form was saved. To stop receiving "
                                      "news, type “hủy” again."))]
    return await unsubscribe_all(msg, ctx)
