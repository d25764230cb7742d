"""Telegram channel on python-telegram-bot: updates in, replies out, polling or secured webhook.

Pure conversions at the edge (`to_incoming`, `split_text`, `escape`); `TelegramChannel` wires
them to PTB's Application (on the process's one Bot, bot/platforms/telegram.py), the intake
(bot/channels/intake.py) and the web server. An update is acknowledged once it is stored in the
inbox; it is handled after, one user's updates in arrival order, different users' alongside.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import html
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType, MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.channels.base import Limits
from bot.channels.intake import Intake
from bot.channels.text import split_text as split_into_parts
from bot.channels.tracking import ProgressTracker, Show
from bot.json_body import load_object
from bot.pipeline import Pipeline
from bot.platforms.telegram import TelegramPlatform, TelegramUnreachable
from bot.settings import Settings
from bot.throttle import Throttle
from content.errors import Unreachable
from db.models import Role
from db.payloads import CallbackPayloadRepository
from handlers.commands import visible_commands
from handlers.messages import Button, IncomingMessage, Reply

log = logging.getLogger(__name__)

CHANNEL = "telegram"
WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CALLBACK_LIMIT = 64  # bytes (Bot API)
STORED_PREFIX = "p:"
"""Callback data 'p:<id>' points at a payload kept in the database (too long for 64 bytes)."""
TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
SHORT_LABEL = 20
"""Buttons with labels up to this length go two to a row."""


# -- pure conversions ---------------------------------------------------------------------------

def to_incoming(update: Update, bot_username: str) -> IncomingMessage | None:
    """The core's message for a Telegram update, or None for updates the bot ignores."""
    update_id = str(update.update_id)
    if update.my_chat_member is not None:
        member = update.my_chat_member
        if member.chat.type != ChatType.PRIVATE:
            return None
        event = "blocked" if member.new_chat_member.status in ("kicked", "left") else "unblocked"
        user = member.from_user
        return IncomingMessage(CHANNEL, str(user.id), str(member.chat.id), event=event,
                               locale_hint=user.language_code, update_id=update_id)
    if update.callback_query is not None:
        query = update.callback_query
        chat_id = query.message.chat.id if query.message else query.from_user.id
        return IncomingMessage(CHANNEL, str(query.from_user.id), str(chat_id), text="",
                               payload=query.data or "", locale_hint=query.from_user.language_code,
                               update_id=update_id)
    message = update.message or update.edited_message
    if message is None or message.from_user is None:
        return None
    user = message.from_user
    is_group = message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    text = message.text or message.caption or ""
    mention = f"@{bot_username}".lower()
    addressed = (not is_group or text.startswith("/") or mention in text.lower()
                 or _replies_to_bot(message, bot_username))
    if is_group and mention in text.lower():
        text = _strip_mention(text, mention)
    photo = message.photo[-1].file_id if message.photo else None  # the largest size
    kind = None if message.text is not None or photo else "unsupported"
    return IncomingMessage(CHANNEL, str(user.id), str(message.chat.id), text=text.strip(),
                           locale_hint=user.language_code, update_id=update_id,
                           is_group=is_group, addressed=addressed, event=kind, photo=photo)


def _replies_to_bot(message: Message, bot_username: str) -> bool:
    replied = message.reply_to_message
    author = replied.from_user if replied is not None else None
    return bool(author and author.username and author.username.lower() == bot_username.lower())


def _strip_mention(text: str, mention: str) -> str:
    start = text.lower().find(mention)
    return (text[:start] + text[start + len(mention):]).strip()


def escape(text: str) -> str:
    """Replies are plain text; escape them for parse_mode=HTML."""
    return html.escape(text, quote=False)


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Parts of `text` that each fit Telegram's limit once escaped."""
    return split_into_parts(text, limit, lambda part: len(escape(part)))


def keyboard_rows(buttons: Sequence[InlineKeyboardButton], labels: Sequence[str]) -> list[list[InlineKeyboardButton]]:
    """Short labels two to a row, long ones alone, in order."""
    rows: list[list[InlineKeyboardButton]] = []
    for button, label in zip(buttons, labels, strict=True):
        previous = rows[-1] if rows else []
        if len(previous) == 1 and len(label) <= SHORT_LABEL and len(previous[0].text) <= SHORT_LABEL:
            rows[-1].append(button)
        else:
            rows.append([button])
    return rows


# -- the channel --------------------------------------------------------------------------------

class TelegramChannel:
    """Receives Telegram updates (polling or webhook) and sends the pipeline's replies."""

    name = CHANNEL

    @property
    def limits(self) -> Limits:
        return Limits(text_chars=TEXT_LIMIT, buttons=None)

    def __init__(self, settings: Settings, pipeline: Pipeline, platform: TelegramPlatform) -> None:
        self.settings = settings
        self.pipeline = pipeline
        self.platform = platform
        self.sessions = pipeline.sessions
        self.catalogs = pipeline.services.catalogs
        self.intake = Intake(CHANNEL, pipeline, self.send, prepare=self._restore_payload,
                             throttle=Throttle(settings.incoming_max_messages,
                                               settings.incoming_window_seconds))
        self._callbacks: set[asyncio.Task[None]] = set()
        self.application = self._build_application(settings, platform)
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self.tracker = ProgressTracker(self.sessions, self.catalogs)

    @staticmethod
    def _build_application(settings: Settings, platform: TelegramPlatform
                           ) -> Application[Any, Any, Any, Any, Any, Any]:
        # Our handler only stores the update (the intake handles it after): one at a time keeps
        # arrival order.
        builder = ApplicationBuilder().bot(platform.bot).concurrent_updates(False)
        if settings.telegram_webhook_url:
            builder = builder.updater(None)  # our own aiohttp server receives the updates
        return builder.build()

    # -- lifecycle --

    async def start(self) -> None:
        """Initialise PTB, register commands, then poll or set the webhook."""
        await self.application.initialize()
        # Team invite codes travel as deep links: t.me/<bot>?start=<code> opens /start <code>.
        self.pipeline.services.join_links[CHANNEL] = f"https://t.me/{self.application.bot.username}?start="
        await self.register_commands()
        await self.intake.start()
        await self.application.start()
        bot = self.application.bot
        if self.settings.telegram_webhook_url:
            assert self.settings.telegram_webhook_secret is not None
            await bot.set_webhook(self.settings.telegram_webhook_url, allowed_updates=ALLOWED_UPDATES,
                                  secret_token=self.settings.telegram_webhook_secret.get_secret_value())
            log.info("Telegram webhook set to %s", self.settings.telegram_webhook_url)
        else:
            assert self.application.updater is not None
            await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=10)
            log.info("Telegram long polling started as @%s", bot.username)

    async def stop(self) -> None:
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        await self.intake.stop()
        await asyncio.gather(*self._callbacks, return_exceptions=True)
        await self.tracker.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    def add_routes(self, web_app: web.Application) -> None:
        web_app.router.add_post(WEBHOOK_PATH, self.handle_webhook)

    async def register_commands(self) -> None:
        """setMyCommands in Vietnamese (also the default) and English, from the command table."""
        commands = [c for c in visible_commands(Role.CITIZEN) if c.in_menu]
        for language in ("vi", "en"):
            t = self.catalogs.translator(language)
            bot_commands = [BotCommand(c.name.lstrip("/"), t(c.description)[:256]) for c in commands]
            await self.application.bot.set_my_commands(bot_commands, language_code=language)
            if language == self.catalogs.default_locale:
                await self.application.bot.set_my_commands(bot_commands)

    # -- incoming --

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """POST /webhooks/telegram: check the secret, parse, store in the inbox, acknowledge.

        Handling comes after the 200 (never held open by the send rate limiter); an update the
        database could not store gets 503, so Telegram delivers it again.
        """
        expected = self.settings.telegram_webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        if expected is None or not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
            return web.json_response({"ok": False, "description": "forbidden"}, status=403)
        try:
            data = load_object(await request.read())  # a depth limit: no RecursionError
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("malformed Telegram webhook body: %s", exc)
            update = None
        if update is None:
            return web.json_response({"ok": False, "description": "malformed update"}, status=400)
        try:
            await self._receive(update)
        except (SQLAlchemyError, OSError) as exc:
            self.intake.failures.failure("could not store a %s message (%s)", CHANNEL,
                                         type(exc).__name__, exc=exc)
            return web.json_response({"ok": False, "description": "try again"}, status=503)
        return web.json_response({"ok": True})

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Long polling: getUpdates has confirmed the update already, so if it cannot be stored
        the person is told to send it again."""
        try:
            await self._receive(update)
        except (SQLAlchemyError, OSError) as exc:
            self.intake.failures.failure("could not store a %s message (%s)", CHANNEL,
                                         type(exc).__name__, exc=exc)
            msg = to_incoming(update, self.application.bot.username or "")
            if msg is not None and (not msg.is_group or msg.addressed):
                with contextlib.suppress(Unreachable):
                    await self.send(msg.chat_id, [self.intake.not_received(msg)])

    async def _receive(self, update: Update) -> None:
        if update.callback_query is not None:  # the spinner stops at once; the press is queued
            task = asyncio.create_task(self._answer_callback(update))
            self._callbacks.add(task)
            task.add_done_callback(self._callbacks.discard)
        try:
            msg = to_incoming(update, self.application.bot.username or "")
        except (AttributeError, TypeError, KeyError, IndexError) as exc:  # parts left out
            log.warning("ignoring a Telegram update of an unexpected shape (%s: %s)",
                        type(exc).__name__, exc)
            return
        if msg is not None:
            await self.intake.accept(msg)

    async def _answer_callback(self, update: Update) -> None:
        try:
            assert update.callback_query is not None
            await update.callback_query.answer()
        except TelegramError as exc:  # an old query can no longer be answered; the press still counts
            log.info("could not answer callback query: %s", exc)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling a Telegram update", exc_info=context.error)

    # -- outgoing --

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> None:
        bot = self.application.bot
        try:
            for reply in replies:
                markup = await self._markup(reply.buttons)
                parts = split_text(reply.text, self.limits.text_chars) if reply.text else []
                for index, part in enumerate(parts):
                    last = index == len(parts) - 1
                    sent = await bot.send_message(chat_id, escape(part), parse_mode=ParseMode.HTML,
                                                  reply_markup=markup if last else None)
                if reply.track is not None and parts:
                    self.tracker.follow(reply.track, self._editor(chat_id, sent.message_id),
                                        reply.locale)
                if reply.attachment is not None:
                    await self._send_attachment(chat_id, reply)
        except Forbidden as exc:  # blocked or deactivated
            raise TelegramUnreachable(str(exc)) from exc

    def _editor(self, chat_id: str, message_id: int) -> Show:
        """Edit the message that announced a broadcast as its progress changes."""
        async def edit(reply: Reply, final: bool) -> None:
            try:
                await self.application.bot.edit_message_text(
                    escape(reply.text), chat_id=chat_id, message_id=message_id,
                    parse_mode=ParseMode.HTML, reply_markup=await self._markup(reply.buttons))
            except BadRequest as exc:
                if "not modified" not in str(exc).lower():
                    raise
        return edit

    async def _send_attachment(self, chat_id: str, reply: Reply) -> None:
        attachment = reply.attachment
        assert attachment is not None
        with attachment.path.open("rb") as handle:
            if attachment.kind == "image":
                await self.application.bot.send_photo(chat_id, handle, caption=attachment.caption,
                                                      filename=attachment.filename)
            else:
                await self.application.bot.send_document(chat_id, handle, caption=attachment.caption,
                                                         filename=attachment.filename)

    async def _markup(self, buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
        if not buttons:
            return None
        keys = [InlineKeyboardButton(b.label, url=b.url) if b.url else
                InlineKeyboardButton(b.label, callback_data=await self._callback_data(b.payload or ""))
                for b in buttons]
        return InlineKeyboardMarkup(keyboard_rows(keys, [b.label for b in buttons]))

    async def _callback_data(self, payload: str) -> str:
        """The payload itself when it fits in 64 bytes, else a pointer to it in the database."""
        if len(payload.encode()) <= CALLBACK_LIMIT and not payload.startswith(STORED_PREFIX):
            return payload
        async with self.sessions() as session, session.begin():
            stored_id = await CallbackPayloadRepository(session).store(payload)
        return f"{STORED_PREFIX}{stored_id}"

    async def _restore_payload(self, msg: IncomingMessage) -> IncomingMessage:
        """A long button payload, kept in the database when the button was sent."""
        if msg.payload is None or not msg.payload.startswith(STORED_PREFIX):
            return msg
        async with self.sessions() as session:
            payload = await CallbackPayloadRepository(session).load(msg.payload[len(STORED_PREFIX):])
        return replace(msg, payload=payload if payload is not None else "expired:")
