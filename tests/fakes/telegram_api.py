"""A fake Telegram Bot API server (aiohttp) for driving python-telegram-bot end to end in tests.

It answers with the real HTTP status codes and bodies of tdlib/telegram-bot-api, because PTB maps
the *status* (not only ``ok:false``) to its exceptions: 400 BadRequest, 401/404 InvalidToken,
403 Forbidden, 409 Conflict, ``parameters.retry_after`` RetryAfter.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

from tests.fakes.loopback import LoopbackServer

JSON = dict[str, Any]
ChatId = int | str

CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
DEFAULT_DESCRIPTIONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
                        404: "Not Found", 409: "Conflict", 500: "Internal Server Error",
                        502: "Bad Gateway"}
# PTB sends str values verbatim and everything else json-dumped, so a form value is JSON unless
# the parameter is a string by nature (a text "123" must stay a string, not become an int).
STRING_PARAMS = {"text", "caption", "callback_query_id", "url", "secret_token", "parse_mode",
                 "action", "language_code", "inline_message_id", "ip_address", "description",
                 "short_description", "name", "title", "business_connection_id", "emoji"}
# Telegram also accepts the synonyms strong/em/ins/strike/del and <span class="tg-spoiler">.
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                "tg-spoiler", "span", "blockquote", "tg-emoji"}
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
ENTITY_RE = re.compile(r"(?<!\S)(?:(/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{5,32})?)|(@[A-Za-z0-9_]{5,32}))")


class APIError(Exception):
    """Raised inside method handlers; becomes the Bot API's ``ok:false`` response."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after

    def response(self) -> web.Response:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return web.json_response(body, status=self.status)


@dataclass(frozen=True)
class Call:
    """Any request that reached a known or unknown method (after the token check)."""

    method: str
    params: JSON
    timestamp: float = field(default_factory=time.time)


@dataclass(frozen=True)
class SentRecord:
    """A successful sendMessage/sendDocument/sendPhoto/editMessageText/editMessageReplyMarkup.

    ``text`` is exactly what the bot sent (HTML tags included; the caption for files).
    """

    method: str
    chat_id: ChatId | None
    text: str | None
    reply_markup: JSON | None
    parse_mode: str | None
    file_name: str | None = None
    file_size: int | None = None
    message_id: int | None = None
    params: JSON = field(default_factory=dict)
    timestamp: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Upload:
    file_name: str | None
    size: int
    content_type: str | None


def utf16_len(text: str) -> int:
    """Telegram counts lengths and entity offsets in UTF-16 code units (emoji count twice)."""
    return len(text.encode("utf-16-le")) // 2


class _HTMLChecker(HTMLParser):
    """Mimics Telegram's HTML parse_mode validation; collects the visible text."""

    def __init__(self) -> None:
        # Entities are decoded by hand, so that an escaped "&lt;" is told apart from a bare "<".
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.visible: list[str] = []
        self.error: str | None = None

    def _fail(self, message: str) -> None:
        self.error = self.error or message

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS or (tag == "span" and ("class", "tg-spoiler") not in attrs):
            self._fail(f'Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self._fail(f'Unexpected end tag "{tag}"')
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data:  # a bare "<" (not a tag) must be escaped as &lt;
            self._fail("Unsupported start tag")
        self.visible.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            self._fail(f'Unsupported HTML entity "&{name};"')
        self.visible.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.visible.append(html.unescape(f"&#{name};"))


def visible_text(text: str, parse_mode: str | None) -> str:
    """Return the text as the user sees it, or raise the 400 Telegram gives for bad HTML."""
    if (parse_mode or "").upper() != "HTML":
        return text
    checker = _HTMLChecker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        checker._fail(f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"')
    if checker.error:
        raise APIError(400, f"Bad Request: can't parse entities: {checker.error}")
    return "".join(checker.visible)


def _decode(key: str, value: Any) -> Any:
    if isinstance(value, str) and key not in STRING_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


Handler = Callable[[JSON, dict[str, Upload]], Awaitable[Any]]


class FakeTelegramAPI(LoopbackServer):
    """In-process Bot API: ``async with FakeTelegramAPI() as api: Bot(token, base_url=api.base_url)``."""

    def __init__(self, token: str = "123:ABC", username: str = "cdsbot",
                 max_poll_timeout: float = 1.0) -> None:
        self.token, self.username = token, username
        self.max_poll_timeout = max_poll_timeout  # long polls are capped so tests stay fast
        self.bot_user: JSON = {"id": int(token.split(":")[0]), "is_bot": True,
                               "first_name": "CDS Bot", "username": username}
        self.calls: list[Call] = []
        self.sent: list[SentRecord] = []
        self.updates: list[JSON] = []  # pending (unconfirmed) updates for getUpdates
        self.webhook: JSON = {}
        self.my_commands: dict[tuple[str, str], list[JSON]] = {}  # (scope json, language) -> list
        self.messages: dict[tuple[ChatId, int], JSON] = {}  # every message the chat contains
        self.blocked: set[ChatId] = set()
        self.deactivated: set[ChatId] = set()
        self._failures: dict[str, list[APIError]] = {}
        self.failing_chats: dict[ChatId, APIError] = {}
        """Chats every send to fails, until removed (fail_chat)."""
        self._chats: dict[ChatId, JSON] = {}
        self._message_ids: dict[ChatId, int] = {}
        self._update_ids = itertools.count(10_001)
        self._ids = itertools.count(1)
        self._updates_changed = asyncio.Event()
        self._sent_changed = asyncio.Event()
        self._closing = False
        self._handlers: dict[str, Handler] = {
            name.lower(): getattr(self, f"_m_{name}") for name in (
                "getMe", "getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo",
                "setMyCommands", "getMyCommands", "deleteMyCommands", "sendMessage",
                "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery",
                "sendDocument", "sendPhoto", "sendChatAction", "deleteMessage")}

    # ---------------------------------------------------------------- lifecycle
    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=50 * 1024 * 1024)  # Bot API upload limit
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        return app

    async def stop(self) -> None:
        self._closing = True
        self._updates_changed.set()  # release pending long polls so cleanup does not wait
        await super().stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---------------------------------------------------------------- error injection
    def block_user(self, chat_id: ChatId) -> None:
        self.blocked.add(chat_id)

    def unblock_user(self, chat_id: ChatId) -> None:
        self.blocked.discard(chat_id)

    def deactivate_user(self, chat_id: ChatId) -> None:
        self.deactivated.add(chat_id)

    def fail_chat(self, chat_id: ChatId, status: int = 400,
                  description: str = "Bad Request: chat not found") -> None:
        """Every send to this chat fails (as for a chat Telegram no longer knows)."""
        self.failing_chats[chat_id] = APIError(status, description)

    def fail_next(self, method: str, status: int, description: str | None = None,
                  retry_after: int | None = None, times: int = 1) -> None:
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after  # Telegram always sends it
            description = description or f"Too Many Requests: retry after {retry_after}"
        error = APIError(status, description or DEFAULT_DESCRIPTIONS.get(status, "Error"),
                         retry_after)
        self._failures.setdefault(method.lower(), []).extend([error] * times)

    # ---------------------------------------------------------------- recording helpers
    def sent_to(self, chat_id: ChatId) -> list[SentRecord]:
        return [r for r in self.sent if r.chat_id == chat_id]

    def texts(self, chat_id: ChatId) -> list[str]:
        return [r.text for r in self.sent_to(chat_id) if r.text is not None]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def commands(self, language_code: str = "", scope: JSON | None = None) -> list[JSON]:
        return self.my_commands.get(self._commands_key(language_code, scope), [])

    async def wait_for(
        self,
        predicate: Callable[[SentRecord], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - part of this helper's documented contract
    ) -> SentRecord:
        """Wait until a sent record satisfies ``predicate`` (the bot replies asynchronously)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._sent_changed.clear()
            for record in self.sent:
                if predicate(record):
                    return record
            remaining = deadline - loop.time()
            if remaining <= 0:
                listing = "\n".join(f"  {r.method} chat={r.chat_id} text={r.text!r}"
                                    f" file={r.file_name}" for r in self.sent) or "  (nothing)"
                raise TimeoutError(f"no sent record matched within {timeout}s; sent:\n{listing}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sent_changed.wait(), remaining)

    # ---------------------------------------------------------------- incoming updates
    def queue_update(self, update: JSON) -> JSON:
        self.updates.append(update)
        self._updates_changed.set()
        return update

    def _user(self, user_id: int, first_name: str = "An", language_code: str = "vi") -> JSON:
        return {"id": user_id, "is_bot": False, "first_name": first_name,
                "language_code": language_code}

    def _remember_chat(self, chat_id: int, chat_type: str, first_name: str) -> JSON:
        chat: JSON = {"id": chat_id, "type": chat_type}
        chat.update({"first_name": first_name} if chat_type == "private" else {"title": "Test group"})
        self._chats[chat_id] = chat
        return chat

    def _update(self, **payload: Any) -> JSON:
        return {"update_id": next(self._update_ids), **payload}

    def message_update(self, user_id: int, text: str, chat_id: int | None = None,
                       chat_type: str = "private", first_name: str = "An",
                       language_code: str = "vi", entities: list[JSON] | None = None) -> JSON:
        chat = self._remember_chat(chat_id or user_id, chat_type, first_name)
        message = self._store({"chat": chat, "from": self._user(user_id, first_name, language_code),
                               "text": text})
        if entities is None:  # Telegram's clients mark commands and mentions themselves
            entities = [{"type": "bot_command" if m.group(1) else "mention",
                         "offset": utf16_len(text[:m.start()]), "length": utf16_len(m.group(0))}
                        for m in ENTITY_RE.finditer(text)]
        if entities:
            message["entities"] = entities
        return self._update(message=message)

    def photo_update(self, user_id: int, caption: str | None = None,
                     chat_id: int | None = None) -> JSON:
        chat = self._remember_chat(chat_id or user_id, "private", "An")
        message = self._store({"chat": chat, "from": self._user(user_id),
                               "photo": [self._photo_size(12_345)]})
        if caption is not None:
            message["caption"] = caption
        return self._update(message=message)

    def callback_update(self, user_id: int, data: str, message_id: int = 1,
                        chat_id: int | None = None) -> JSON:
        chat_id = chat_id or user_id
        chat = self._chats.get(chat_id) or self._remember_chat(chat_id, "private", "An")
        if (chat_id, message_id) not in self.messages:  # the keyboard message must exist to edit
            self._message_ids[chat_id] = max(self._message_ids.get(chat_id, 0), message_id)
            self.messages[(chat_id, message_id)] = {
                "message_id": message_id, "date": int(time.time()), "chat": chat,
                "from": self.bot_user, "text": "…"}
        return self._update(callback_query={
            "id": str(next(self._ids) * 1_000_003), "from": self._user(user_id),
            "chat_instance": str(chat_id * 7), "data": data,
            "message": dict(self.messages[(chat_id, message_id)])})

    def my_chat_member_update(self, user_id: int, new_status: str = "kicked") -> JSON:
        # Blocking the bot is what produces "kicked": later sends must then fail with 403.
        if new_status == "kicked":
            self.blocked.add(user_id)
        else:
            self.blocked.discard(user_id)
        old_status = "member" if new_status == "kicked" else "kicked"

        def member(status: str) -> JSON:
            extra = {"until_date": 0} if status == "kicked" else {}
            return {"user": self.bot_user, "status": status, **extra}

        return self._update(my_chat_member={
            "chat": self._chats.get(user_id) or self._remember_chat(user_id, "private", "An"),
            "from": self._user(user_id), "date": int(time.time()),
            "old_chat_member": member(old_status), "new_chat_member": member(new_status)})

    # ---------------------------------------------------------------- HTTP plumbing
    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return APIError(401, "Unauthorized").response()
        method = request.match_info["method"]
        params, files = await self._parse(request)
        self.calls.append(Call(method, params))
        handler = self._handlers.get(method.lower())
        if handler is None:
            return APIError(404, "Not Found").response()
        try:
            if failures := self._failures.get(method.lower()):
                raise failures.pop(0)
            chat_id = params.get("chat_id")
            if chat_id in self.deactivated:
                raise APIError(403, "Forbidden: user is deactivated")
            if chat_id in self.blocked:
                raise APIError(403, "Forbidden: bot was blocked by the user")
            if chat_id in self.failing_chats:
                raise self.failing_chats[chat_id]
            result = await handler(params, files)
        except APIError as error:
            return error.response()
        return web.json_response({"ok": True, "result": result})

    async def _parse(self, request: web.Request) -> tuple[JSON, dict[str, Upload]]:
        raw: JSON = dict(request.query)
        files: dict[str, Upload] = {}
        if request.content_type == "application/json":
            raw.update(await request.json())
        elif request.method == "POST":
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = Upload(value.filename, len(value.file.read()), value.content_type)
                else:
                    raw[key] = value
        params = {key: _decode(key, value) for key, value in raw.items()}
        for key, value in list(params.items()):  # e.g. thumbnail="attach://x": the part is "x"
            part = value.removeprefix("attach://") if isinstance(value, str) else None
            if part in files and part != value:
                files[key] = files.pop(part)
        params.update({key: vars(upload) for key, upload in files.items()})  # summary, no bytes
        return params, files

    # ---------------------------------------------------------------- shared logic
    def _chat(self, chat_id: ChatId) -> JSON:
        if chat_id in self._chats:
            return self._chats[chat_id]
        if isinstance(chat_id, str):
            return {"id": -100_000_000_001, "type": "channel", "title": chat_id,
                    "username": chat_id.lstrip("@")}
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "An"}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": "Test group"}

    def _store(self, message: JSON) -> JSON:
        """Number a message with the chat's shared counter (users and bot share message ids)."""
        chat_id = message["chat"]["id"]
        self._message_ids[chat_id] = message_id = self._message_ids.get(chat_id, 0) + 1
        message = {"message_id": message_id, "date": int(time.time()), **message}
        self.messages[(chat_id, message_id)] = message
        return message

    def _record(self, method: str, params: JSON, text: str | None,
                message_id: int | None, upload: Upload | None = None) -> None:
        self.sent.append(SentRecord(
            method=method, chat_id=params.get("chat_id"), text=text,
            reply_markup=params.get("reply_markup"), parse_mode=params.get("parse_mode"),
            file_name=upload.file_name if upload else None,
            file_size=upload.size if upload else None, message_id=message_id, params=params))
        self._sent_changed.set()

    @staticmethod
    def _check_markup(markup: Any) -> None:
        for row in (markup or {}).get("inline_keyboard", []) if isinstance(markup, dict) else []:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise APIError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _check_text(self, params: JSON, key: str, limit: int, empty_error: str | None) -> str:
        text = str(params.get(key) or "")
        shown = visible_text(text, params.get("parse_mode"))
        if empty_error and not shown.strip():
            raise APIError(400, empty_error)
        if utf16_len(shown) > limit:
            what = "message" if key == "text" else "message caption"
            raise APIError(400, f"Bad Request: {what} is too long")
        return shown

    def _find_message(self, params: JSON) -> JSON:
        try:
            return self.messages[(params["chat_id"], int(params["message_id"]))]
        except (KeyError, TypeError, ValueError):
            raise APIError(400, "Bad Request: message to edit not found") from None

    def _photo_size(self, size: int) -> JSON:
        n = next(self._ids)
        return {"file_id": f"AgACAgIAAx{n:08d}", "file_unique_id": f"AQAD{n:06d}",
                "width": 800, "height": 600, "file_size": size}

    @staticmethod
    def _commands_key(language_code: str | None, scope: JSON | None) -> tuple[str, str]:
        return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""

    # ---------------------------------------------------------------- methods
    async def _m_getMe(self, p: JSON, f: dict[str, Upload]) -> JSON:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    async def _m_getUpdates(self, p: JSON, f: dict[str, Upload]) -> list[JSON]:
        if self.webhook.get("url"):
            raise APIError(409, CONFLICT_WEBHOOK)
        offset = int(p.get("offset") or 0)
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        allowed = p.get("allowed_updates") or None
        if offset < 0:  # negative offset: keep only the last -offset updates, forget the rest
            del self.updates[:offset]
        elif offset:  # everything below offset is confirmed and never returned again
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(float(p.get("timeout") or 0), self.max_poll_timeout)
        while True:
            self._updates_changed.clear()
            batch = [u for u in self.updates
                     if allowed is None or next(k for k in u if k != "update_id") in allowed]
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                return batch[:limit]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._updates_changed.wait(), remaining)

    async def _m_setWebhook(self, p: JSON, f: dict[str, Upload]) -> bool:
        if not p.get("url"):  # an empty url removes the webhook, as in the real API
            return await self._m_deleteWebhook(p, f)
        if p.get("drop_pending_updates"):
            self.updates.clear()
        self.webhook = {"url": p["url"], "secret_token": p.get("secret_token"),
                        "allowed_updates": p.get("allowed_updates"),
                        "max_connections": int(p.get("max_connections") or 40)}
        return True

    async def _m_deleteWebhook(self, p: JSON, f: dict[str, Upload]) -> bool:
        if p.get("drop_pending_updates"):
            self.updates.clear()
        self.webhook = {}
        return True

    async def _m_getWebhookInfo(self, p: JSON, f: dict[str, Upload]) -> JSON:
        info: JSON = {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                      "pending_update_count": len(self.updates)}
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook["allowed_updates"] is not None:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _m_setMyCommands(self, p: JSON, f: dict[str, Upload]) -> bool:
        commands = p.get("commands") or []
        for command in commands:
            if not COMMAND_RE.match(str(command.get("command", ""))):
                raise APIError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise APIError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.my_commands[self._commands_key(p.get("language_code"), p.get("scope"))] = commands
        return True

    async def _m_getMyCommands(self, p: JSON, f: dict[str, Upload]) -> list[JSON]:
        return self.commands(p.get("language_code") or "", p.get("scope"))

    async def _m_deleteMyCommands(self, p: JSON, f: dict[str, Upload]) -> bool:
        self.my_commands.pop(self._commands_key(p.get("language_code"), p.get("scope")), None)
        return True

    async def _m_sendMessage(self, p: JSON, f: dict[str, Upload]) -> JSON:
        shown = self._check_text(p, "text", 4096, "Bad Request: message text is empty")
        self._check_markup(p.get("reply_markup"))
        message = self._store({"from": self.bot_user, "chat": self._chat(p["chat_id"]),
                               "text": shown})
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        self._record("sendMessage", p, p.get("text"), message["message_id"])
        return message

    async def _m_editMessageText(self, p: JSON, f: dict[str, Upload]) -> JSON | bool:
        shown = self._check_text(p, "text", 4096, "Bad Request: message text is empty")
        self._check_markup(p.get("reply_markup"))
        if p.get("inline_message_id"):
            self._record("editMessageText", p, p.get("text"), None)
            return True
        message = self._find_message(p)
        if message.get("text") == shown and message.get("reply_markup") == p.get("reply_markup"):
            raise APIError(400, NOT_MODIFIED)
        message.update(text=shown, edit_date=int(time.time()))
        message.pop("reply_markup", None)
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        self._record("editMessageText", p, p.get("text"), message["message_id"])
        return dict(message)

    async def _m_editMessageReplyMarkup(self, p: JSON, f: dict[str, Upload]) -> JSON | bool:
        self._check_markup(p.get("reply_markup"))
        if p.get("inline_message_id"):
            self._record("editMessageReplyMarkup", p, None, None)
            return True
        message = self._find_message(p)
        if message.get("reply_markup") == (p.get("reply_markup") or None):
            raise APIError(400, NOT_MODIFIED)
        message.pop("reply_markup", None)
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        message["edit_date"] = int(time.time())
        self._record("editMessageReplyMarkup", p, None, message["message_id"])
        return dict(message)

    async def _m_answerCallbackQuery(self, p: JSON, f: dict[str, Upload]) -> bool:
        if not p.get("callback_query_id"):
            raise APIError(400, "Bad Request: query is too old and response timeout expired "
                           "or query ID is invalid")
        return True

    async def _m_sendChatAction(self, p: JSON, f: dict[str, Upload]) -> bool:
        return True

    async def _m_deleteMessage(self, p: JSON, f: dict[str, Upload]) -> bool:
        key = (p.get("chat_id"), int(p.get("message_id") or 0))
        if self.messages.pop(key, None) is None:  # type: ignore[arg-type]
            raise APIError(400, "Bad Request: message to delete not found")
        return True

    async def _send_file(self, method: str, kind: str, p: JSON, f: dict[str, Upload]) -> JSON:
        upload = f.get(kind)
        if upload is None and not isinstance(p.get(kind), str):  # neither a file nor an id/URL
            raise APIError(400, f"Bad Request: there is no {kind} in the request")
        if upload is not None and upload.size == 0:
            raise APIError(400, "Bad Request: file must be non-empty")
        shown = self._check_text(p, "caption", 1024, None)
        self._check_markup(p.get("reply_markup"))
        size = upload.size if upload else 54_321
        if kind == "photo":
            media: Any = [self._photo_size(size)]
        else:
            n = next(self._ids)
            media = {"file_id": f"BQACAgIAAx{n:08d}", "file_unique_id": f"AgAD{n:06d}",
                     "file_size": size, "file_name": upload.file_name if upload else None,
                     "mime_type": upload.content_type if upload else None}
        message = self._store({"from": self.bot_user, "chat": self._chat(p["chat_id"]),
                               kind: media})
        if shown:
            message["caption"] = shown
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        self._record(method, p, p.get("caption"), message["message_id"], upload)
        return message

    async def _m_sendDocument(self, p: JSON, f: dict[str, Upload]) -> JSON:
        return await self._send_file("sendDocument", "document", p, f)

    async def _m_sendPhoto(self, p: JSON, f: dict[str, Upload]) -> JSON:
        return await self._send_file("sendPhoto", "photo", p, f)
