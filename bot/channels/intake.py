"""The one way in for platform messages (every channel): accepted durably, handled once, in order.

    accept(msg)   take the user's lock first (so a message cannot overtake the one before it),
                  store it in the inbox (a redelivery is recognised here, before anything else),
                  count it against the user's throttle, commit, queue: only then does the
                  platform hear "received".
    per user      one queue, handled in arrival order; other users run alongside. A channel's
                  own look-ups (a stored button payload, a typed number) run in the queue too.
    handle        the pipeline takes the message and records its replies in one transaction;
                  the replies are sent, then marked sent. A chat the platform calls unreachable
                  (content.errors.Unreachable) is marked so, without going back into the pipeline.
    resume        on start, and every `sweep_seconds`: messages accepted but never handled and
                  replies recorded but never sent (their process died) are taken up again.

So a crash loses no accepted message, and sends again at most the replies that were being sent
at the moment of the crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bot.failure_log import FailureLog
from bot.pipeline import Pipeline
from bot.throttle import Throttle, Verdict
from content.errors import Unreachable
from db.inbox import THROTTLED, Inbox, ReplyOutbox
from db.models import utcnow
from db.repositories import UserRepository
from handlers.messages import (
    IncomingMessage,
    Reply,
    message_from_json,
    message_to_json,
    reply_from_json,
    reply_to_json,
)

log = logging.getLogger(__name__)

Send = Callable[[str, Sequence[Reply]], Awaitable[None]]
"""Send replies to one chat (the channel's own sender)."""
Prepare = Callable[[IncomingMessage], Awaitable[IncomingMessage]]
"""Channel look-ups made in turn with the user's other messages (a stored button payload)."""
Store = Callable[[AsyncSession, str, Sequence[Reply], str], Awaitable[Callable[[], None] | None]]
"""For a channel whose messages are rows of this database (the web chat): store the replies to
one chat in the transaction that marks them sent, with a key that is the same when the same
replies are stored again (after a crash), so they are kept once. Returns what to do once that
transaction has committed (wake the readers), or None when the chat no longer exists."""
OnAccept = Callable[[AsyncSession, IncomingMessage], Awaitable[None]]
"""Channel bookkeeping in the transaction that accepts a new message (Zalo's reply window)."""


@dataclass(frozen=True, slots=True)
class _Job:
    entry_id: int
    message: IncomingMessage | None = None
    """None: the replies below were recorded already and only need sending."""
    replies: tuple[tuple[str, Reply], ...] = ()


class Intake:
    def __init__(self, channel: str, pipeline: Pipeline, send: Send, *, throttle: Throttle | None,
                 prepare: Prepare | None = None, on_accept: OnAccept | None = None,
                 store: Store | None = None,
                 resume_after_seconds: float = 120.0, sweep_seconds: float = 30.0,
                 max_send_attempts: int = 5) -> None:
        self.channel = channel
        self.pipeline = pipeline
        self.sessions = pipeline.sessions
        self.send = send
        self.store = store
        self.throttle = throttle
        self.catalogs = pipeline.services.catalogs
        self.prepare = prepare
        self.on_accept = on_accept
        self.resume_after = dt.timedelta(seconds=resume_after_seconds)
        self.sweep_seconds = sweep_seconds
        self.max_send_attempts = max_send_attempts
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        """Per user: the lock accept() holds from the first await to the queue, and its users."""
        self._queues: dict[str, deque[_Job]] = {}
        self._drainers: dict[str, asyncio.Task[None]] = {}
        self._kept: set[int] = set()
        """Entries whose replies a storing channel kept in the handling transaction."""
        self._known: set[int] = set()
        """Inbox entries queued or running here: a sweep must not queue them twice."""
        self._sweeper: asyncio.Task[None] | None = None
        self.failures = FailureLog(log)

    # -- in --

    async def accept(self, msg: IncomingMessage) -> bool:
        """Store the message and queue it; False when it was accepted before (a redelivery) or
        is group chatter not addressed to the bot (never stored). Database errors propagate:
        the platform must not hear "received"."""
        if msg.update_id is None:
            raise ValueError("a platform message needs its update id")
        if msg.is_group and not msg.addressed:
            return False
        async with self._user_lock(msg.user_id):
            return await self._accept(msg)

    @contextlib.asynccontextmanager
    async def _user_lock(self, user_id: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(user_id) or (asyncio.Lock(), 0)
        self._locks[user_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[user_id]
            if users == 1:
                del self._locks[user_id]
            else:
                self._locks[user_id] = (lock, users - 1)

    async def _accept(self, msg: IncomingMessage) -> bool:
        assert msg.update_id is not None
        reply: Reply | None = None
        async with self.pipeline.writing(), self.sessions() as session, session.begin():
            inbox = Inbox(session)
            entry_id = await inbox.accept(self.channel, msg.update_id, msg.user_id,
                                          message_to_json(msg))
            if entry_id is None:
                log.info("skipping duplicate update %s/%s", self.channel, msg.update_id)
                return False
            if self.on_accept is not None:
                await self.on_accept(session, msg)
            verdict = self._verdict(msg)
            if verdict is not Verdict.ALLOW:
                await inbox.take(entry_id, THROTTLED)
                if verdict is Verdict.WARN:
                    reply = self.slow_down(msg)
                    await ReplyOutbox(session).record(entry_id, self.channel,
                                                      [(msg.chat_id, reply_to_json(reply))])
        if verdict is Verdict.ALLOW:
            self._queue(msg.user_id, _Job(entry_id, msg))
        elif reply is not None:
            self._queue(msg.user_id, _Job(entry_id, replies=((msg.chat_id, reply),)))
        return True

    def _verdict(self, msg: IncomingMessage) -> Verdict:
        """Typed text counts against the throttle; buttons and platform events do not. A channel
        without a throttle (the local console: one person at their own keyboard) allows all."""
        if self.throttle is not None and msg.event is None and msg.payload is None:
            return self.throttle.check(msg.user_id)
        return Verdict.ALLOW

    def slow_down(self, msg: IncomingMessage) -> Reply:
        t = self.catalogs.translator(self.catalogs.resolve(msg.locale_hint))
        return Reply(t("You are sending messages very fast. Please wait a few seconds; "
                       "I could not read the messages you sent just now."))

    def not_received(self, msg: IncomingMessage) -> Reply:
        """For a message the database could not store (the platform will not send it again)."""
        t = self.catalogs.translator(self.catalogs.resolve(msg.locale_hint))
        return Reply(t("Sorry, I could not receive your last message because of a problem on our "
                       "side. Please send it again in a moment."))

    # -- per-user queues --

    def _queue(self, key: str, job: _Job) -> None:
        self._known.add(job.entry_id)
        self._queues.setdefault(key, deque()).append(job)
        if key not in self._drainers:
            self._drainers[key] = asyncio.create_task(self._drain(key))

    async def _drain(self, key: str) -> None:
        jobs = self._queues[key]
        try:
            while jobs:
                job = jobs.popleft()
                try:
                    await self._run(job)
                except Exception as exc:  # the outbox keeps the replies: the sweep sends them later
                    self.failures.failure("could not finish a %s message", self.channel, exc=exc)
                finally:
                    self._known.discard(job.entry_id)
        finally:  # no await since the queue was found empty: nothing was added meanwhile
            del self._queues[key], self._drainers[key]

    async def _run(self, job: _Job) -> None:
        outgoing = list(job.replies)
        if job.message is not None:
            msg = await self.prepare(job.message) if self.prepare else job.message
            keep = self._keep if self.store is not None else None
            replies = await self.pipeline.process(msg, entry_id=job.entry_id, keep=keep)
            if job.entry_id in self._kept:  # stored with its handling: nothing left to send
                self._kept.discard(job.entry_id)
                return
            outgoing = [(reply.to or msg.chat_id, reply) for reply in replies]
        if not outgoing:
            return
        groups = [(chat_id, [reply for _, reply in group])
                  for chat_id, group in itertools.groupby(outgoing, key=lambda pair: pair[0])]
        if self.store is not None:
            await self._store(job.entry_id, groups)
            return
        unreachable: list[str] = []
        for chat_id, replies in groups:
            try:
                await self.send(chat_id, replies)
            except Unreachable as exc:  # blocked, unfollowed: these replies can never be sent
                log.info("%s chat %s cannot be messaged: %s", self.channel, chat_id, exc)
                unreachable.append(chat_id)
        async with self.pipeline.writing(), self.sessions() as session, session.begin():
            for chat_id in unreachable:
                await UserRepository(session).mark_unreachable(self.channel, chat_id)
            await ReplyOutbox(session).mark_sent(job.entry_id)

    async def _keep(self, session: AsyncSession, entry_id: int,
                    outgoing: list[tuple[str, Reply]]) -> None:
        """A storing channel's replies, stored in the transaction that handles the message (no
        outbox, no second transaction); its readers are woken once that transaction commits."""
        assert self.store is not None
        committed: list[Callable[[], None]] = []
        groups = itertools.groupby(outgoing, key=lambda pair: pair[0])
        for position, (chat_id, group) in enumerate(groups):
            done = await self.store(session, chat_id, [reply for _, reply in group],
                                    f"{entry_id}.{position}")
            if done is None:
                await UserRepository(session).mark_unreachable(self.channel, chat_id)
            else:
                committed.append(done)

        def after_commit(_: object) -> None:
            self._kept.add(entry_id)
            for done in committed:
                done()
        event.listen(session.sync_session, "after_commit", after_commit, once=True)

    async def _store(self, entry_id: int, groups: list[tuple[str, list[Reply]]]) -> None:
        """Stored and marked sent in one transaction: a crash leaves both or neither."""
        assert self.store is not None
        committed: list[Callable[[], None]] = []
        async with self.pipeline.writing(), self.sessions() as session, session.begin():
            for position, (chat_id, replies) in enumerate(groups):
                done = await self.store(session, chat_id, replies, f"{entry_id}.{position}")
                if done is None:
                    log.info("%s chat %s no longer exists", self.channel, chat_id)
                    await UserRepository(session).mark_unreachable(self.channel, chat_id)
                else:
                    committed.append(done)
            await ReplyOutbox(session).mark_sent(entry_id)
        for done in committed:
            done()

    async def idle(self) -> None:
        """Wait until every message queued so far has been handled and answered."""
        while self._drainers:
            await asyncio.gather(*list(self._drainers.values()), return_exceptions=True)

    # -- resuming after a crash --

    async def resume(self, older_than: dt.timedelta = dt.timedelta(0)) -> int:
        """Queue what a stopped process left: unsent replies and unhandled messages. Returns
        how many messages were taken up."""
        cutoff = utcnow() - older_than
        async with self.pipeline.writing(), self.sessions() as session, session.begin():
            unsent = await ReplyOutbox(session).claim_unsent(self.channel, cutoff,
                                                             self.max_send_attempts)
            resend = {entry_id: tuple((row.chat_id, reply_from_json(row.reply)) for row in rows)
                      for entry_id, rows in unsent.items()}
            pending = [(entry.id, entry.user_id, message_from_json(entry.message))
                       for entry in await Inbox(session).pending(self.channel, cutoff)
                       if entry.id not in self._known]
        for entry_id, replies in resend.items():
            if entry_id not in self._known:
                self._queue(replies[0][0], _Job(entry_id, replies=replies))
        for entry_id, user_id, msg in pending:
            self._queue(user_id, _Job(entry_id, msg))
        if resend or pending:
            log.info("%s: resumed %d unhandled messages and %d unsent answers",
                     self.channel, len(pending), len(resend))
        return len(pending) + len(resend)

    async def start(self) -> None:
        """Take up what the last run left, then sweep now and then for what other workers left."""
        await self.resume()
        self._sweeper = asyncio.create_task(self._sweep())

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_seconds)
            try:
                await self.resume(self.resume_after)
            except Exception as exc:
                self.failures.failure("%s: could not look for messages left unhandled",
                                      self.channel, exc=exc)

    async def stop(self) -> None:
        """Finish what is queued; stop sweeping."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
        await self.idle()
