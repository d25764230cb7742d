"""The web chat channel: the widget on provincial portals (bot/widget/v1.js), served by the
bot's own web app, on the same intake, pipeline, state and roles as Telegram and Zalo.

A browser holds an anonymous visitor's token (db.web_chat). What the panel shows is each
conversation's event log: the visitor's messages, stored in the transaction that accepts them,
and the bot's replies and announcements, each numbered. The browser reads the log from the last
number it saw, over Server-Sent Events or by long polling (bot/channels/web_api.py), so nothing
is lost on a reload or a network drop, shown twice or out of order. A reply the intake sends
again after a crash carries the same key and is stored once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import Limits
from bot.channels.intake import Intake
from bot.channels.tracking import ProgressTracker, Show
from bot.channels.web_hub import WebEventHub
from bot.pipeline import Pipeline
from bot.settings import Settings
from bot.throttle import Throttle
from content.errors import Unreachable
from db.web_chat import BOT, USER, NewEvent, Stored, WebEventLog, WebVisitors
from handlers.messages import IncomingMessage, Reply

CHANNEL = "web"
TEXT_LIMIT = 4000
"""Characters the panel shows in one bubble (it wraps; the other channels' limits do not apply)."""
FILES_PATH = "/web/v1/files/"


def user_event(msg: IncomingMessage, label: str | None) -> dict[str, Any]:
    """How the panel shows what the visitor sent: the text, or the pressed button's label."""
    client_id = (msg.update_id or "").partition(":")[2]
    if msg.payload is not None:
        return {"text": label or "", "button": True, "client_id": client_id}
    return {"text": msg.text, "client_id": client_id}


class WebChannel:
    name = CHANNEL

    def __init__(self, settings: Settings, pipeline: Pipeline, hub: WebEventHub) -> None:
        self.settings = settings
        self.pipeline = pipeline
        self.sessions = pipeline.sessions
        self.catalogs = pipeline.services.catalogs
        self.hub = hub
        self.intake = Intake(CHANNEL, pipeline, self.send, store=self.store,
                             on_accept=self._record_user_message,
                             throttle=Throttle(settings.incoming_max_messages,
                                               settings.incoming_window_seconds))
        self.tracker = ProgressTracker(self.sessions, self.catalogs)
        self._labels: dict[str, str] = {}
        """Pressed buttons' labels by update id, from the request to the accepting transaction."""
        self._stored: dict[str, Stored] = {}
        """A visitor's message as stored by the accepting transaction, by update id."""

    @property
    def limits(self) -> Limits:
        return Limits(text_chars=TEXT_LIMIT, buttons=None)

    def add_routes(self, web_app: web.Application) -> None:
        from bot.channels.web_api import WebApi  # the API needs the channel; not the reverse

        WebApi(self).add_routes(web_app)

    async def start(self) -> None:
        self.hub.start()
        await self.intake.start()

    async def stop(self) -> None:
        await self.intake.stop()
        await self.tracker.stop()
        await self.hub.stop()

    async def idle(self) -> None:
        await self.intake.idle()

    # -- in --

    async def accept(self, msg: IncomingMessage, label: str | None = None) -> bool:
        """Store and queue a visitor's message; False for a retry of one accepted before."""
        if label is not None and msg.update_id:
            self._labels[msg.update_id] = label
        try:
            accepted = await self.intake.accept(msg)
        finally:
            self._labels.pop(msg.update_id or "", None)
            stored = self._stored.pop(msg.update_id or "", None)
        if stored is not None:  # committed: other tabs may show it
            self.hub.stored(stored.conversation_id, stored.events)
        return accepted

    async def greet(self, visitor_id: str, locale: str | None) -> None:
        """A new visitor's panel opens with the greeting /start gives (as a Zalo follower's)."""
        await self.accept(IncomingMessage(CHANNEL, visitor_id, visitor_id, event="follow",
                                          locale_hint=locale, update_id=f"{visitor_id}:hello"))

    async def _record_user_message(self, session: AsyncSession, msg: IncomingMessage) -> None:
        """In the transaction that accepts it: the message joins the conversation's log, so the
        visitor's own bubble is numbered among the replies (the other tabs show it too)."""
        if msg.event is not None:  # a platform event (the greeting): nothing the visitor wrote
            return
        label = self._labels.get(msg.update_id or "")
        stored = await WebEventLog(session).append_for(msg.user_id,
                                                       [NewEvent(USER, user_event(msg, label))])
        if stored is not None:
            self._stored[msg.update_id or ""] = stored

    # -- out --

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Replies outside a handled message (a followed broadcast's end). Raises Unreachable
        when the visitor is gone."""
        async with self.pipeline.writing(), self.sessions() as session, session.begin():
            done = await self.store(session, chat_id, replies, None)
        if done is None:
            raise Unreachable(f"web visitor {chat_id} no longer exists")
        done()

    async def store(self, session: AsyncSession, chat_id: str, replies: Sequence[Reply],
                    key: str | None) -> Callable[[], None] | None:
        """Store the replies in the visitor's current conversation (in the caller's
        transaction); what wakes its streams once committed, or None when the visitor is gone.
        `key` is the same when the same replies are stored again, so they are kept once."""
        log = WebEventLog(session)
        conversation_id = None
        if any(reply.attachment for reply in replies):  # its file link is the conversation's
            visitor = await WebVisitors(session).get(chat_id)
            conversation_id = visitor.conversation_id if visitor else None
        events = [NewEvent(BOT, await self._reply_event(log, conversation_id, reply),
                           f"r{key}.{index}" if key is not None else None)
                  for index, reply in enumerate(replies)]
        stored = await log.append_for(chat_id, events)
        if stored is None:
            return None

        def committed() -> None:
            self.hub.stored(stored.conversation_id, stored.events)
            for reply in replies:
                if reply.track is not None:
                    self.tracker.follow(reply.track, self._final_only(chat_id), reply.locale)
        return committed

    async def _reply_event(self, log: WebEventLog, conversation_id: int | None,
                           reply: Reply) -> dict[str, Any]:
        body: dict[str, Any] = {"text": reply.text}
        if reply.locale:  # the widget's own words follow the visitor's language (/lang)
            body["locale"] = reply.locale
        if reply.buttons:
            body["buttons"] = [{"label": b.label, "url": b.url} if b.url else
                               {"label": b.label, "payload": b.payload} for b in reply.buttons]
        if reply.expects_text:
            body["expects_text"] = True
        if reply.attachment is not None and conversation_id is not None:
            a = reply.attachment
            token = await log.add_file(conversation_id, str(a.path), a.filename, a.kind)
            body["file"] = {"url": FILES_PATH + token, "name": a.filename, "kind": a.kind,
                            "caption": a.caption or ""}
        return body

    def _final_only(self, chat_id: str) -> Show:
        """A followed broadcast's state, once it is over (a sent bubble is not edited)."""
        async def show(reply: Reply, final: bool) -> None:
            if final:
                await self.send(chat_id, [reply])
        return show
