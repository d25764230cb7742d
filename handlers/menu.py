"""The topic menu."""

from __future__ import annotations

from content.i18n import N_
from handlers.context import Context
from handlers.messages import Button, IncomingMessage, Reply

TOPIC_BUTTONS: tuple[tuple[str, str], ...] = (
    ("topic:day", N_("Digital Transformation Day")),
    ("topic:contests", N_("Contests")),
    ("topic:events", N_("Events")),
    ("topic:promotions", N_("Promotions")),
    ("topic:teams", N_("Community tech teams")),
    ("sub:menu", N_("Subscribe to news")),
)


def menu_buttons(ctx: Context) -> list[Button]:
    """The main topic menu (at most six buttons, per UX.md)."""
    return [Button(ctx.t(label), payload) for payload, label in TOPIC_BUTTONS]


def menu_reply(ctx: Context, text: str | None = None) -> Reply:
    return Reply.with_buttons(text or ctx.t("What would you like to know? Choose a topic:"),
                              menu_buttons(ctx))


async def show_menu(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """Show the topic menu; ends any conversation in progress."""
    ctx.finish()
    return [menu_reply(ctx)]


async def cancel(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/huy: leave the form or choice in progress (nothing of it is saved)."""
    if ctx.step is None:
        return [menu_reply(ctx, ctx.t("There is nothing to cancel. Choose a topic:"))]
    ctx.finish()
    return [menu_reply(ctx, ctx.t("Cancelled: nothing was saved. Choose a topic:"))]
