"""One way through: IncomingMessage → one transaction → route → handler → replies.

A platform message comes with its inbox entry (bot/channels/intake.py): the transaction takes the
entry and records the replies in the outbox, so handling and "handled" are one unit.

Errors (documented here, as the one place that catches them):
- An inbox entry another worker has taken already is skipped: no replies.
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
from collections.abc import Awaitable, Callable
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.failure_log import FailureLog
from db.inbox import FAILED, Inbox, ReplyOutbox
from db.repositories import UserRepository
from handlers.context import Context, Services
from handlers.messages import (
    MAX_TEXT_CHARS,
    ConversationStep,
    IncomingMessage,
    Reply,
    reply_to_json,
)
from handlers.router import dispatch

log = logging.getLogger(__name__)
LEAVING_EVENTS = ("blocked", "unfollow")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028-\u202e\ufeff]")
"""Control, zero-width and direction characters; not the joiners (U+200C, U+200D) that emoji
such as 🧑‍🎓 are made of."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


Keep = Callable[[AsyncSession, int, list[tuple[str, Reply]]], Awaitable[None]]
"""Store the replies to an inbox entry, as (chat id, reply), in the transaction handling it."""


class Pipeline:
    def __init__(self, services: Services, sessions: async_sessionmaker[AsyncSession],
                 clock: Callable[[], dt.datetime] = utc_now, serialize_writes: bool = False) -> None:
        self.services = services
        self.sessions = sessions
        self.clock = clock
        self.failures = FailureLog(log)
        # SQLite has one writer at a time: queueing our own transactions here is fair and fast,
        # where SQLite's busy handler would make waiting writers sleep and retry.
        self._gate: contextlib.AbstractAsyncContextManager[object] = (
            asyncio.Lock() if serialize_writes else contextlib.nullcontext())

    def writing(self) -> contextlib.AbstractAsyncContextManager[object]:
        """Hold while writing outside the pipeline (the intake): one writer at a time on SQLite."""
        return self._gate

    async def process(self, msg: IncomingMessage, entry_id: int | None = None,
                      keep: Keep | None = None) -> list[Reply]:
        """Handle one message in one transaction and return the replies to send; with an inbox
        entry, the entry is taken and the replies recorded in that transaction: in the reply
        outbox, or by `keep` for a channel whose messages are rows of this database (the web
        chat), which then has nothing left to send."""
        if msg.is_group and not msg.addressed:
            return []  # in groups the bot answers only commands and mentions
        msg, notes = self._clean(msg)
        try:
            return await self._handle(msg, notes, entry_id, keep)
        except Exception as exc:
            self.failures.failure("failed to handle a %s message", msg.channel, exc=exc)
            t = self.services.catalogs.translator(self.services.catalogs.resolve(msg.locale_hint))
            apology = [Reply(t("Sorry, something went wrong on our side and your message was not "
                               "processed. Please try again in a moment."))]
            if entry_id is not None:
                await self._record_failure(msg, entry_id, apology)
            return apology

    async def _handle(self, msg: IncomingMessage, notes: list[Reply],
                      entry_id: int | None, keep: Keep | None) -> list[Reply]:
        async with self._gate, self.sessions() as session, session.begin():
            if entry_id is not None and not await Inbox(session).take(entry_id):
                log.info("%s message %s was handled by another worker", msg.channel, entry_id)
                return []
            now = self.clock().astimezone(dt.UTC)
            users = UserRepository(session, lambda: now)
            if msg.event in LEAVING_EVENTS and await users.find(msg.channel, msg.user_id) is None:
                return []  # someone we never stored left: nothing to record about them
            identity, state, created = await users.identify(msg.channel, msg.user_id,
                                                            msg.chat_id, in_group=msg.is_group)
            catalogs = self.services.catalogs
            locale = catalogs.resolve(identity.user.locale, msg.locale_hint)
            ctx = Context(self.services, session, identity, now,
                          catalogs.translator(locale),
                          step=ConversationStep(state.name, dict(state.data)) if state else None,
                          first_contact=created)
            replies = await dispatch(msg, ctx)
            if not ctx.erased and (state is not None or ctx.step is not None):
                step = ctx.step
                await ctx.conversations.save(identity.id, step.name if step else None,
                                             dict(step.data) if step else {}, state)
            replies = ([replace(r, locale=ctx.t.locale) for r in [*notes, *replies]]  # /lang: new
                       if replies else [])
            if msg.is_group:  # private replies go to the person's own chat, never the group
                replies = [replace(r, to=identity.chat_id) if r.private else r for r in replies]
            if entry_id is not None and keep is not None:
                await keep(session, entry_id, [(reply.to or msg.chat_id, reply)
                                               for reply in replies])
            elif entry_id is not None:
                await ReplyOutbox(session).record(entry_id, msg.channel, [
                    (reply.to or msg.chat_id, reply_to_json(reply)) for reply in replies])
        return replies

    async def _record_failure(self, msg: IncomingMessage, entry_id: int, apology: list[Reply]) -> None:
        """The message is done with (a retry would fail alike): its apology goes in the outbox.
        When even that fails (the database is away) the entry stays pending for a later try."""
        try:
            async with self._gate, self.sessions() as session, session.begin():
                if await Inbox(session).take(entry_id, FAILED):
                    await ReplyOutbox(session).record(entry_id, msg.channel, [
                        (msg.chat_id, reply_to_json(reply)) for reply in apology])
        except Exception as exc:
            self.failures.failure("could not record the failure of a %s message (%s): it will be "
                                  "tried again", msg.channel, type(exc).__name__,
                                  kind="record-failure")

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
