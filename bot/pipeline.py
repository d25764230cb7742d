"""One way through: IncomingMessage → one transaction → route → handler → replies.

Errors (documented here, as the one place that catches them):
- A duplicate platform update (same channel + update id) is skipped: no replies.
- A database error or a bug in a handler rolls the whole message back (so a redelivery is
  handled afresh), is logged with its traceback, and the user gets a polite apology in their
  language. Transport errors (a user blocked the bot) are the adapters' business.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import UpdateLog, UserRepository
from handlers.context import Context, Services
from handlers.messages import MAX_TEXT_CHARS, ConversationStep, IncomingMessage, Reply
from handlers.router import dispatch

log = logging.getLogger(__name__)
LEAVING_EVENTS = ("blocked", "unfollow")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Pipeline:
    def __init__(self, services: Services, sessions: async_sessionmaker[AsyncSession],
                 clock: Callable[[], dt.datetime] = utc_now, serialize_writes: bool = False) -> None:
        self.services = services
        self.sessions = sessions
        self.clock = clock
        # SQLite has one writer at a time: queueing our own transactions here is fair and fast,
        # where SQLite's busy handler would make waiting writers sleep and retry.
        self._gate: contextlib.AbstractAsyncContextManager[object] = (
            asyncio.Lock() if serialize_writes else contextlib.nullcontext())

    async def process(self, msg: IncomingMessage) -> list[Reply]:
        """Handle one message in one transaction and return the replies to send."""
        if msg.is_group and not msg.addressed:
            return []  # in groups the bot answers only commands and mentions
        msg, notes = self._clean(msg)
        try:
            replies = await self._handle(msg)
        except Exception:
            log.exception("failed to handle %s message from %s", msg.channel, msg.user_id)
            t = self.services.catalogs.translator(self.services.catalogs.resolve(msg.locale_hint))
            return [Reply(t("Sorry, something went wrong on our side and your message was not "
                            "processed. Please try again in a moment."))]
        return [*notes, *replies] if replies else replies

    async def _handle(self, msg: IncomingMessage) -> list[Reply]:
        async with self._gate, self.sessions() as session, session.begin():
            duplicate = (msg.update_id is not None
                         and not await UpdateLog(session).claim(msg.channel, msg.update_id))
            if duplicate:
                log.info("skipping duplicate update %s/%s", msg.channel, msg.update_id)
                return []
            users = UserRepository(session)
            if msg.event in LEAVING_EVENTS and await users.find(msg.channel, msg.user_id) is None:
                return []  # someone we never stored left: nothing to record about them
            identity, state = await users.identify(msg.channel, msg.user_id, msg.chat_id)
            catalogs = self.services.catalogs
            locale = catalogs.resolve(identity.user.locale, msg.locale_hint)
            ctx = Context(self.services, session, identity, self.clock().astimezone(dt.UTC),
                          catalogs.translator(locale),
                          step=ConversationStep(state.name, dict(state.data)) if state else None)
            replies = await dispatch(msg, ctx)
            if not ctx.erased and (state is not None or ctx.step is not None):
                step = ctx.step
                await ctx.conversations.save(identity.id, step.name if step else None,
                                             dict(step.data) if step else {}, state)
        return replies

    def _clean(self, msg: IncomingMessage) -> tuple[IncomingMessage, list[Reply]]:
        """Drop control characters and cut very long text, telling the user we did."""
        text = _CONTROL_RE.sub(" ", msg.text)
        notes: list[Reply] = []
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS]
            t = self.services.catalogs.translator(self.services.catalogs.resolve(msg.locale_hint))
            notes.append(Reply(t("Your message is very long; I read its first {n} characters.",
                                 n=t.fmt.number(MAX_TEXT_CHARS))))
        return (replace(msg, text=text) if text != msg.text else msg), notes
