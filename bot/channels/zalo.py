"""Zalo Official Account channel: signed webhook in, OA API v3 consultation messages out.

The webhook verifies an event, stores it in the inbox and answers 200 (Zalo wants an answer
within 2 s); the intake (bot/channels/intake.py) handles it after, and takes up on start what a
stopped process left. A redelivered event is recognised by the inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import Limits
from bot.channels.intake import Intake
from bot.channels.tracking import ProgressTracker, Show
from bot.channels.zalo_client import ZaloError, ZaloQuotaExceeded
from bot.channels.zalo_outgoing import (
    PAYLOAD_MARK,
    Item,
    asks_for_more,
    attachment_of,
    fit,
    pack,
)
from bot.json_body import BodyError, load_object
from bot.pipeline import Pipeline
from bot.platforms.zalo import ZaloPlatform
from bot.settings import Settings
from bot.throttle import Throttle
from content.errors import Unreachable
from content.i18n import N_
from db.channel_state import AlertRepository, ButtonChoiceRepository
from db.models import utcnow
from db.zalo_budget import ProactiveQuota, ReplyBudget
from handlers.messages import IncomingMessage, Reply

log = logging.getLogger(__name__)

CHANNEL = "zalo"
WEBHOOK_PATH = "/webhooks/zalo"
SIGNATURE_HEADER = "X-ZEvent-Signature"
MORE_HINT = N_("Type “more” to see the rest.")
"""Ends the last free reply when an answer needs more messages than the user's budget has left."""
TYPE_A_NUMBER = N_("Or type a number:")
"""Heads the numbered list of buttons beyond what Zalo shows in one message."""
UNSUPPORTED_EVENTS = {"user_send_sticker", "user_send_file", "user_send_gif",
                      "user_send_audio", "user_send_video", "user_send_location", "user_send_link",
                      "user_send_business_card"}


def signature_of(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """SHA-256 hex of app id + raw body + timestamp + OA secret key (Zalo's MacUtils.buildMac)."""
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode()).hexdigest()


def signature_matches(header: str, expected: str) -> bool:
    given = header.strip()
    given = given[4:] if given.lower().startswith("mac=") else given
    return hmac.compare_digest(given.lower().encode(), expected.encode())


_TIMESTAMP_RE = re.compile(rb'"timestamp"\s*:\s*"?([0-9]{1,16})"?')
MAX_SCAN = 64 * 1024
"""Where in the raw body the timestamp is looked for (Zalo events are a few hundred bytes)."""
MAX_ID_CHARS = 64
MAX_UPDATE_ID_CHARS = 128
"""The widths of the identity and dedupe columns: longer ids are no Zalo ids."""


def to_incoming(event: dict[str, Any]) -> IncomingMessage | None:
    """The core's message for a Zalo event, or None for events the bot ignores."""
    name = str(event.get("event_name", ""))
    if name.startswith("oa_send_"):
        return None  # our own messages echoed back
    timestamp = str(event.get("timestamp", ""))
    if name in ("follow", "unfollow"):
        user_id = str((event.get("follower") or {}).get("id", ""))
        kind = name
        update_id = f"{name}:{user_id}:{timestamp}"
        return IncomingMessage(CHANNEL, user_id, user_id, event=kind, update_id=update_id) if user_id else None
    user_id = str((event.get("sender") or {}).get("id", ""))
    message = event.get("message") or {}
    if not user_id:
        return None
    msg_id = str(message.get("msg_id") or f"{name}:{user_id}:{timestamp}")
    if name == "user_send_text":
        text = str(message.get("text", ""))
        if text.startswith(PAYLOAD_MARK):
            return IncomingMessage(CHANNEL, user_id, user_id, payload=text[len(PAYLOAD_MARK):],
                                   update_id=msg_id)
        return IncomingMessage(CHANNEL, user_id, user_id, text=text, update_id=msg_id)
    if name == "user_send_image":  # the visit form takes a photo; elsewhere it is explained
        attachments = message.get("attachments") or [{}]
        url = str((attachments[0].get("payload") or {}).get("url", "")) or None
        return IncomingMessage(CHANNEL, user_id, user_id, text=str(message.get("text", "")),
                               photo=url, event=None if url else "unsupported", update_id=msg_id)
    if name in UNSUPPORTED_EVENTS:
        return IncomingMessage(CHANNEL, user_id, user_id, event="unsupported", update_id=msg_id)
    log.info("ignoring Zalo event %s", name)
    return None


class ZaloChannel:
    name = CHANNEL

    def __init__(self, settings: Settings, pipeline: Pipeline, platform: ZaloPlatform) -> None:
        assert settings.zalo_app_id and settings.zalo_oa_secret_key
        self.settings = settings
        self.pipeline = pipeline
        self.platform = platform
        self.sessions = pipeline.sessions
        self.catalogs = pipeline.services.catalogs
        self.app_id = settings.zalo_app_id
        self.oa_secret_key = settings.zalo_oa_secret_key.get_secret_value()
        self.intake = Intake(CHANNEL, pipeline, self.send, prepare=self._numbered_choice,
                             on_accept=self._open_reply_window,
                             throttle=Throttle(settings.incoming_max_messages,
                                               settings.incoming_window_seconds))
        self._apologies: set[asyncio.Task[None]] = set()
        self.tracker = ProgressTracker(self.sessions, self.catalogs)

    @property
    def limits(self) -> Limits:
        return Limits(text_chars=self.settings.zalo_text_limit,
                      buttons=self.settings.zalo_max_buttons)

    async def start(self) -> None:
        """Take up what the intake left (the platform is started and closed by its owner)."""
        await self.intake.start()

    async def idle(self) -> None:
        """Wait until every event received so far has been handled."""
        await self.intake.idle()
        await asyncio.gather(*self._apologies, return_exceptions=True)

    async def stop(self) -> None:
        """Finish the events being handled (the platform's connection is its owner's to close)."""
        await self.intake.stop()
        await self.idle()
        await self.tracker.stop()

    def add_routes(self, web_app: web.Application) -> None:
        web_app.router.add_post(WEBHOOK_PATH, self.handle_webhook)

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """POST /webhooks/zalo: verify the signature and age, answer 200, handle after.

        The signature covers the raw body and its timestamp, so the timestamp is read from the
        raw bytes and the body is checked before it is parsed (with a depth limit)."""
        header = request.headers.get(SIGNATURE_HEADER)
        if not header:
            return web.json_response({"error": "missing signature"}, status=401)
        body = await request.read()
        timestamp = next((t for t in _TIMESTAMP_RE.findall(body[:MAX_SCAN])[:5]
                          if signature_matches(header, signature_of(
                              self.app_id, body, t.decode(), self.oa_secret_key))), None)
        if timestamp is None:
            return web.json_response({"error": "bad signature"}, status=401)
        try:
            event = load_object(body)
        except BodyError as exc:
            log.warning("signed Zalo webhook body refused: %s", exc)
            return web.json_response({"error": "malformed event"}, status=400)
        if str(event.get("timestamp")) != timestamp.decode():
            return web.json_response({"error": "malformed event"}, status=400)
        if abs(time.time() - int(timestamp) / 1000) > self.settings.zalo_replay_window_seconds:
            return web.json_response({"error": "stale event"}, status=401)
        try:
            await self.receive(event)
        except (SQLAlchemyError, OSError) as exc:
            self.intake.failures.failure("could not store a %s message (%s)", CHANNEL,
                                         type(exc).__name__, exc=exc)
            return web.json_response({"error": "try again"}, status=503)
        return web.json_response({"ok": True})

    async def receive(self, event: dict[str, Any]) -> None:
        """A verified event: checked for shape, stored and queued (database errors propagate)."""
        try:
            msg = to_incoming(event)
        except (AttributeError, TypeError, KeyError, IndexError) as exc:
            log.warning("ignoring a Zalo event of an unexpected shape (%s: %s)",
                        type(exc).__name__, exc)
            return
        if msg is None:
            return
        if len(msg.user_id) > MAX_ID_CHARS or len(msg.update_id or "") > MAX_UPDATE_ID_CHARS:
            log.warning("ignoring a Zalo event whose ids are longer than any Zalo id "
                        "(sender %d, msg_id %d characters)", len(msg.user_id), len(msg.update_id or ""))
            return
        try:
            await self.intake.accept(msg)
        except (SQLAlchemyError, OSError):
            # Whether Zalo delivers an event again after an error is not known: say so now.
            task = asyncio.create_task(self._apologise(msg))
            self._apologies.add(task)
            task.add_done_callback(self._apologies.discard)
            raise

    async def _apologise(self, msg: IncomingMessage) -> None:
        with contextlib.suppress(Unreachable):
            await self.send(msg.user_id, [self.intake.not_received(msg)])

    async def _open_reply_window(self, session: AsyncSession, msg: IncomingMessage) -> None:
        """A message the user wrote opens their free replies, which quote its id. Events without
        a message id of Zalo's (follow, unfollow: ids made up as name:user:time) open none."""
        if msg.event in (None, "unsupported") and ":" not in (msg.update_id or ":"):
            await ReplyBudget(session, self.settings.zalo_free_replies).opened(
                msg.user_id, msg.update_id or "", utcnow())

    async def _numbered_choice(self, msg: IncomingMessage) -> IncomingMessage:
        """A number typed under a list of buttons presses that button; "tiếp" sends what did
        not fit in the last answer (then the message is handled: the pipeline ignores it)."""
        if msg.payload is None and asks_for_more(msg.text):
            async with self.sessions() as session, session.begin():
                rest = await ReplyBudget(session).take_rest(msg.user_id)
            if rest:
                await self._send_items(msg.user_id, rest, msg.locale_hint)
                return replace(msg, text="", event="more_sent")
        if msg.payload is not None or not msg.text.strip().isdigit():
            return msg
        async with self.sessions() as session:
            payload = await ButtonChoiceRepository(session).payload_for(CHANNEL, msg.user_id,
                                                                       msg.text.strip())
        return replace(msg, payload=payload, text="") if payload is not None else msg

    def _final_only(self, user_id: str) -> Show:
        """Zalo messages cannot be edited: send a broadcast's state once it is over."""
        async def show(reply: Reply, final: bool) -> None:
            if final:
                await self.send(user_id, [reply])
        return show

    async def send(self, user_id: str, replies: Sequence[Reply]) -> None:
        """The replies to the user's message, packed into as few Zalo messages as possible and
        sent as free replies quoting it; what does not fit in the user's free replies is kept
        for "tiếp" instead of spending proactive messages."""
        locale = next((reply.locale for reply in replies if reply.locale), None)
        translate = self.catalogs.translator(self.catalogs.resolve(locale))
        assert self.limits.buttons is not None
        items, choices = pack(replies, self.limits.text_chars, self.limits.buttons,
                              translate(TYPE_A_NUMBER))
        if choices:
            async with self.sessions() as session, session.begin():
                await ButtonChoiceRepository(session).remember(CHANNEL, user_id, choices)
        await self._send_items(user_id, items, locale)
        for reply in replies:
            if reply.track is not None:
                self.tracker.follow(reply.track, self._final_only(user_id), reply.locale)

    async def _send_items(self, user_id: str, items: list[Item], locale: str | None) -> None:
        """Raises Unreachable when Zalo says the user cannot be messaged now."""
        if not items:
            return
        translate = self.catalogs.translator(self.catalogs.resolve(locale))
        async with self.sessions() as session, session.begin():
            budget = ReplyBudget(session, self.settings.zalo_free_replies)
            grant = await budget.reserve(user_id, len(items))
            quote, granted = grant.quote, grant.granted
            if not grant.ever_wrote:  # a new follower's greeting: proactive, within the quota
                granted = await ProactiveQuota(session, self.settings.zalo_proactive_quota,
                                               self.settings.tz).reserve(len(items))
            now, rest = fit(items, granted, translate(MORE_HINT), self.limits.text_chars)
            if rest:
                await budget.keep_rest(user_id, rest)
        if rest:
            log.info("Zalo user %s: %d messages kept for “tiếp” (free replies used up)",
                     user_id, len(rest))
        client = self.platform.client
        try:
            for item in now:
                message = (await self.platform.attachment_message(attachment_of(item))
                           if "upload" in item else item)
                await client.send(user_id, message, quote=quote)
        except Unreachable:
            raise
        except ZaloQuotaExceeded as exc:
            log.warning("Zalo quota exceeded (%s): replies to %s not sent", exc.code, user_id)
            async with self.sessions() as session, session.begin():  # officers see it: /canhbao
                await AlertRepository(session).add(CHANNEL, exc.code or 0, str(exc))
        except ZaloError as exc:
            log.error("Zalo send to %s failed: %s", user_id, exc)
