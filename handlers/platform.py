"""Platform events (IncomingMessage.event): blocked/unblocked, follow/unfollow, unsupported content."""

from __future__ import annotations

from handlers.context import Context
from handlers.menu import menu_reply
from handlers.messages import IncomingMessage, Reply
from handlers.start import start


async def mark_unreachable(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """'blocked' / 'unfollow': stop sending to this account (subscriptions stay, paused); no reply."""
    ctx.identity.reachable = False
    return []


async def mark_reachable(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """'unblocked': this account can be written to again; no reply."""
    ctx.identity.reachable = True
    return []


async def greet_follower(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """'follow': reachable again, and the same greeting as /start (next: start.consent)."""
    ctx.identity.reachable = True
    return await start(msg, ctx)


async def explain_unsupported(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """A sticker, image or location: say politely that only text is read, with the menu."""
    return [menu_reply(ctx, ctx.t("Sorry, for now I can only read text messages. "
                                  "Please type your question."))]


async def ignore_event(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """An event this bot does not handle: nothing to do, no reply."""
    return []
