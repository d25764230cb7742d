"""A fake Zalo Official Account server (OA message API v3 and OAuth v4) for tests.

Behaviour follows the Zalo OA section of /work/shared/PLATFORMS.md:

* Send: ``POST /v3.0/oa/message/{cs,transaction,promotion}`` with header ``access_token`` and a JSON
  body. Every answer is HTTP 200; errors are ``{"error": <negative>, "message": "..."}``. Checks run
  in this order: token (-216 missing/unknown/revoked, -220 expired), ``fail_next`` queue, body
  validation (-201), per-user sticky error, then success.
* OAuth: ``POST /v4/oa/access_token`` (form-encoded, header ``secret_key``). Errors are HTTP 200 with
  the v4 shape ``{"error": <code>, "error_name": ..., "error_reason": ..., "error_description": ...,
  "ref_doc": ...}``. The exact error numbers are this fake's choice (see ``OAUTH_*``); clients
  should treat "error present and non-zero / no access_token" as failure. Refresh tokens and
  authorization codes are single-use; refreshing revokes the access token of the previous pair.
* Zalo's budget: a message whose ``recipient`` is ``{"message_id": …}`` quotes a user's message
  (one made with ``text_event``/``image_event``, which the fake remembers as received). Within 48 h
  of it and within 8 per user since the user last wrote it is a free reply (``kind="reply"``);
  otherwise, and for ``{"user_id": …}``, it is proactive (``kind="proactive"``): refused with -224
  when the OA is not ``verified`` and -211 when ``proactive_quota`` is used up.
* Webhooks are not posted by the fake: tests build events (``text_event`` ...) and sign them with
  ``signed_event``: ``X-ZEvent-Signature: mac=sha256_hex(app_id + body + timestamp + oa_secret_key)``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.loopback import LoopbackServer

JSON = dict[str, Any]

MAX_TEXT = 2000
MAX_BUTTONS = 5
BUTTON_TYPES = {"oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.phone", "oa.open.sms"}
SEND_ENDPOINTS = ("cs", "transaction", "promotion")
EXPIRES_IN = "90000"  # Zalo sends expires_in as a string (about 25 h)

ERROR_MESSAGES: dict[int, str] = {
    -32: "Exceeded the rate limit",
    -201: "Parameters are invalid",
    -211: "Out of quota",
    -213: "User has not followed the OA",
    -216: "Access token is invalid",
    -218: "User's receive quota exceeded",
    -220: "Access token has expired",
    -224: "OA needs a tier package to use this feature",
    -227: "User is banned or has been inactive for more than 45 days",
    -230: "User has not interacted with the OA in the past 7 days",
    -232: "User has not interacted with the OA or the interaction has expired",
    -234: "Cannot send this message at night (22:00-06:00)",
    -244: "User has restricted this message type",
}

# OAuth v4 error codes used by this fake (numbers unconfirmed against Zalo; shape is realistic).
OAUTH_INVALID_APP_ID = -14002
OAUTH_INVALID_PARAMETER = -14003
OAUTH_INVALID_SECRET_KEY = -14014
OAUTH_INVALID_CODE_VERIFIER = -14019
OAUTH_INVALID_REFRESH_TOKEN = -14020
OAUTH_INVALID_CODE = -14021


def code_challenge(verifier: str) -> str:
    """PKCE S256: base64url(sha256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def signature(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """Zalo's webhook MAC: plain SHA-256 (not HMAC), lowercase hex."""
    data = app_id.encode() + body + timestamp.encode() + oa_secret_key.encode()
    return hashlib.sha256(data).hexdigest()


class ZaloError(Exception):
    def __init__(self, code: int, message: str | None = None) -> None:
        self.code = code
        self.message = message or ERROR_MESSAGES.get(code, "Unknown error")
        super().__init__(f"{code} {self.message}")


@dataclass
class SentRecord:
    user_id: str
    text: str | None
    attachment: JSON | None
    buttons: list[JSON]
    endpoint: str  # "cs", "transaction" or "promotion"
    message_id: str
    kind: str = "proactive"  # "reply": a free reply quoting the user's message; else proactive
    quoted: str | None = None  # the user's message id it quoted
    time: float = field(default_factory=time.time)

    @property
    def image_url(self) -> str | None:
        payload = (self.attachment or {}).get("payload") or {}
        for element in payload.get("elements") or []:
            if element.get("media_type") == "image":
                return str(element.get("url"))
        return None


@dataclass
class CallRecord:
    endpoint: str
    access_token: str | None
    body: Any
    response: JSON
    time: float = field(default_factory=time.time)


@dataclass
class _TokenPair:
    access_token: str
    refresh_token: str
    expired: bool = False
    revoked: bool = False
    refresh_used: bool = False


class FakeZalo(LoopbackServer):
    def __init__(self, app_id: str = "app1", app_secret: str = "appsecret",
                 oa_secret_key: str = "oakey", oa_id: str = "oa1") -> None:
        self.app_id, self.app_secret = app_id, app_secret
        self.oa_secret_key, self.oa_id = oa_secret_key, oa_id
        self.sent: list[SentRecord] = []
        self.uploads: list[JSON] = []
        self.calls: list[CallRecord] = []
        self.token_calls: list[JSON] = []  # form bodies posted to /v4/oa/access_token
        self.refresh_calls = 0  # grant_type=refresh_token requests, successful or not
        self.token_delay = 0.0  # seconds to sleep in the token endpoint before answering
        self._by_access: dict[str, _TokenPair] = {}
        self._by_refresh: dict[str, _TokenPair] = {}
        self._codes: dict[str, str] = {}  # authorization code -> code_challenge
        self._user_errors: dict[str, ZaloError] = {}
        self._fail_queue: deque[ZaloError] = deque()
        self._sent_event = asyncio.Event()
        # Zalo's message budget (see the module docstring).
        self.free_replies = 8
        self.reply_window = 48 * 3600.0
        self.verified = True
        self.proactive_quota: int | None = None  # None: no limit
        self.proactive_used = 0
        self.clock: Callable[[], float] = time.time
        self._received: dict[str, tuple[str, float]] = {}  # user's msg_id -> (user, when)
        self._free_used: dict[str, int] = {}  # per user, since they last wrote

    # ------------------------------------------------------------------ lifecycle
    def build_app(self) -> web.Application:
        app = web.Application()
        for name in SEND_ENDPOINTS:
            app.router.add_post(f"/v3.0/oa/message/{name}", self._send_handler(name))
        app.router.add_post("/v4/oa/access_token", self._handle_token)
        app.router.add_post("/v2.0/oa/upload/image", self._upload_handler("image"))
        app.router.add_post("/v2.0/oa/upload/file", self._upload_handler("file"))
        return app

    @property
    def api_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def oauth_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ tokens
    def issue_tokens(self) -> tuple[str, str]:
        """A fresh valid (access_token, refresh_token) pair."""
        pair = _TokenPair("at-" + secrets.token_hex(12), "rt-" + secrets.token_hex(12))
        self._by_access[pair.access_token] = pair
        self._by_refresh[pair.refresh_token] = pair
        return pair.access_token, pair.refresh_token

    def expire_access_token(self, token: str) -> None:
        self._by_access[token].expired = True

    def register_code(self, code: str, code_challenge: str) -> None:
        """Accept ``code`` once, for a verifier whose S256 challenge is ``code_challenge``."""
        self._codes[code] = code_challenge

    def is_valid_access_token(self, token: str) -> bool:
        pair = self._by_access.get(token)
        return pair is not None and not pair.expired and not pair.revoked

    # ------------------------------------------------------------------ error injection
    def set_user_error(self, user_id: str, code: int, message: str | None = None) -> None:
        """Every send to ``user_id`` fails with ``code`` until ``clear_user_error``."""
        self._user_errors[user_id] = ZaloError(code, message)

    def clear_user_error(self, user_id: str) -> None:
        self._user_errors.pop(user_id, None)

    def fail_next(self, code: int, message: str | None = None, times: int = 1) -> None:
        """The next ``times`` sends (with a valid token) fail with ``code``."""
        self._fail_queue.extend(ZaloError(code, message) for _ in range(times))

    # ------------------------------------------------------------------ inspection
    def sent_to(self, user_id: str) -> list[SentRecord]:
        return [r for r in self.sent if r.user_id == user_id]

    async def wait_for(
        self,
        predicate: Callable[[SentRecord], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - part of this helper's documented contract
    ) -> SentRecord:
        """The first sent record matching ``predicate``, waiting up to ``timeout`` seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for record in self.sent:
                if predicate(record):
                    return record
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                summary = [(r.user_id, r.text, r.attachment) for r in self.sent]
                raise TimeoutError(f"no sent message matched within {timeout}s; sent: {summary}")
            self._sent_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sent_event.wait(), remaining)

    # ------------------------------------------------------------------ uploads
    def _upload_handler(self, kind: str) -> Callable[[web.Request], Any]:
        """Multipart field `file`; images up to 1 MB answer an attachment_id, files up to 5 MB a
        token (what the OA API v2.0 upload endpoints return)."""
        limit = 1_000_000 if kind == "image" else 5_000_000

        async def handle(request: web.Request) -> web.Response:
            pair = self._by_access.get(request.headers.get("access_token") or "")
            if pair is None or pair.revoked or pair.expired:
                return web.json_response({"error": -216 if pair is None or pair.revoked else -220,
                                          "message": "Access token is invalid"})
            form = await request.post()
            upload = form.get("file")
            content = upload.file.read() if hasattr(upload, "file") else b""
            if not content or len(content) > limit:
                return web.json_response({"error": -201, "message": "Parameters are invalid"})
            key = secrets.token_hex(12)
            self.uploads.append({"kind": kind, "name": getattr(upload, "filename", ""),
                                 "size": len(content), "key": key})
            data = {"attachment_id": key} if kind == "image" else {"token": key}
            return web.json_response({"error": 0, "message": "Success", "data": data})
        return handle

    # ------------------------------------------------------------------ message API
    def _send_handler(self, endpoint: str) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.Response:
            token = request.headers.get("access_token")
            raw = await request.read()
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            try:
                record = self._send(endpoint, token, body)
                response: JSON = {"error": 0, "message": "Success",
                                  "data": {"message_id": record.message_id,
                                           "user_id": record.user_id}}
            except ZaloError as e:
                response = {"error": e.code, "message": e.message}
            self.calls.append(CallRecord(endpoint, token, body, response))
            return web.json_response(response)
        return handle

    def _send(self, endpoint: str, token: str | None, body: Any) -> SentRecord:
        pair = self._by_access.get(token or "")
        if pair is None or pair.revoked:
            raise ZaloError(-216)
        if pair.expired:
            raise ZaloError(-220)
        if self._fail_queue:
            raise self._fail_queue.popleft()
        quoted = self._quoted(body)
        if quoted is not None:
            body = {**body, "recipient": {"user_id": self._received[quoted][0]}}
        user_id, text, attachment, buttons = self._validate(body)
        if user_id in self._user_errors:
            raise self._user_errors[user_id]
        kind = self._charge(user_id, quoted)
        record = SentRecord(user_id, text, attachment, buttons, endpoint, secrets.token_hex(16),
                            kind, quoted)
        self.sent.append(record)
        self._sent_event.set()
        return record

    def _quoted(self, body: Any) -> str | None:
        """The user's message a reply quotes (recipient.message_id), checked to exist."""
        recipient = body.get("recipient") if isinstance(body, dict) else None
        if not isinstance(recipient, dict) or "message_id" not in recipient:
            return None
        quoted = str(recipient["message_id"])
        if quoted not in self._received:
            raise ZaloError(-201, "message_id is not a message of a user")
        return quoted

    def _charge(self, user_id: str, quoted: str | None) -> str:
        """'reply' when the message is a free reply, else 'proactive' (checked against the
        OA's verification and monthly quota)."""
        if quoted is not None:
            _, received = self._received[quoted]
            if (self.clock() - received <= self.reply_window
                    and self._free_used.get(user_id, 0) < self.free_replies):
                self._free_used[user_id] = self._free_used.get(user_id, 0) + 1
                return "reply"
        if not self.verified:
            raise ZaloError(-224)
        if self.proactive_quota is not None and self.proactive_used >= self.proactive_quota:
            raise ZaloError(-211)
        self.proactive_used += 1
        return "proactive"

    def user_wrote(self, user_id: str, msg_id: str, at: float | None = None) -> None:
        """The user sent the OA a message: replies may quote it, and their free replies renew."""
        self._received[msg_id] = (user_id, self.clock() if at is None else at)
        self._free_used[user_id] = 0

    @staticmethod
    def _validate(body: Any) -> tuple[str, str | None, JSON | None, list[JSON]]:
        invalid = ZaloError(-201)
        if not isinstance(body, dict):
            raise invalid
        recipient, message = body.get("recipient"), body.get("message")
        if not isinstance(recipient, dict) or not isinstance(message, dict):
            raise invalid
        user_id = recipient.get("user_id")
        if not isinstance(user_id, str | int) or not str(user_id):
            raise invalid
        text = message.get("text")
        if text is not None and (not isinstance(text, str) or not text or len(text) > MAX_TEXT):
            raise invalid
        attachment = message.get("attachment")
        if isinstance(attachment, str):  # tolerate a JSON-encoded attachment
            try:
                attachment = json.loads(attachment)
            except ValueError:
                raise invalid from None
        if attachment is not None and not isinstance(attachment, dict):
            raise invalid
        if text is None and attachment is None:
            raise invalid
        buttons: list[JSON] = []
        if attachment is not None:
            payload = attachment.get("payload")
            if not isinstance(payload, dict):
                raise invalid
            if attachment.get("type") == "file":  # an uploaded file, by its token
                if not payload.get("token"):
                    raise invalid
                return str(user_id), text, attachment, []
            if attachment.get("type") != "template":
                raise invalid
            buttons = payload.get("buttons") or []
            if not isinstance(buttons, list) or len(buttons) > MAX_BUTTONS:
                raise invalid
            for button in buttons:
                if (not isinstance(button, dict) or not button.get("title")
                        or button.get("type") not in BUTTON_TYPES):
                    raise invalid
        return str(user_id), text, attachment, buttons

    # ------------------------------------------------------------------ OAuth v4
    async def _handle_token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.token_calls.append(form)
        if form.get("grant_type") == "refresh_token":
            self.refresh_calls += 1
        if self.token_delay:
            await asyncio.sleep(self.token_delay)
        # No awaits below: checking and consuming a refresh token is atomic.
        return web.json_response(self._token(request.headers.get("secret_key"), form))

    def _token(self, secret_key: str | None, form: dict[str, str]) -> JSON:
        if secret_key != self.app_secret:
            return _oauth_error(OAUTH_INVALID_SECRET_KEY, "Invalid secret key")
        if form.get("app_id") != self.app_id:
            return _oauth_error(OAUTH_INVALID_APP_ID, "Invalid app_id")
        grant = form.get("grant_type")
        if grant == "refresh_token":
            pair = self._by_refresh.get(form.get("refresh_token", ""))
            if pair is None or pair.refresh_used:
                return _oauth_error(OAUTH_INVALID_REFRESH_TOKEN, "Invalid refresh token")
            pair.refresh_used = True
            pair.revoked = True  # refreshing invalidates the previous pair
        elif grant == "authorization_code":
            challenge = self._codes.get(form.get("code", ""))
            if challenge is None:
                return _oauth_error(OAUTH_INVALID_CODE, "Invalid authorization code")
            verifier = form.get("code_verifier", "")
            if not verifier or code_challenge(verifier) != challenge:
                return _oauth_error(OAUTH_INVALID_CODE_VERIFIER, "Invalid code verifier")
            del self._codes[form["code"]]
        else:
            return _oauth_error(OAUTH_INVALID_PARAMETER, "Invalid grant_type")
        access, refresh = self.issue_tokens()
        return {"access_token": access, "refresh_token": refresh, "expires_in": EXPIRES_IN}

    # ------------------------------------------------------------------ webhook helpers
    def signed_event(self, event: JSON, *, mac_prefix: bool = True) -> tuple[bytes, dict[str, str]]:
        """The raw body Zalo would post for ``event`` and its headers, signature included."""
        body = json.dumps(event, ensure_ascii=False).encode("utf-8")
        timestamp = str(event.get("timestamp", ""))
        mac = signature(self.app_id, body, timestamp, self.oa_secret_key)
        return body, {"X-ZEvent-Signature": f"mac={mac}" if mac_prefix else mac,
                      "Content-Type": "application/json"}

    def text_event(self, user_id: str, text: str, msg_id: str | None = None,
                   timestamp_ms: int | None = None) -> JSON:
        return self._user_event("user_send_text", user_id, {"text": text}, msg_id, timestamp_ms)

    def image_event(self, user_id: str, url: str = "https://photo.example/img.jpg",
                    msg_id: str | None = None, timestamp_ms: int | None = None) -> JSON:
        attachments = [{"type": "image", "payload": {"thumbnail": url, "url": url}}]
        return self._user_event("user_send_image", user_id,
                                {"text": "", "attachments": attachments}, msg_id, timestamp_ms)

    def follow_event(self, user_id: str, timestamp_ms: int | None = None) -> JSON:
        return self._follow("follow", user_id, timestamp_ms)

    def unfollow_event(self, user_id: str, timestamp_ms: int | None = None) -> JSON:
        return self._follow("unfollow", user_id, timestamp_ms)

    def oa_echo_event(self, user_id: str, text: str, msg_id: str | None = None) -> JSON:
        return {"app_id": self.app_id, "sender": {"id": self.oa_id},
                "recipient": {"id": user_id}, "event_name": "oa_send_text",
                "message": {"text": text, "msg_id": msg_id or secrets.token_hex(16)},
                "timestamp": _ms(None)}

    def _user_event(self, name: str, user_id: str, message: JSON, msg_id: str | None,
                    timestamp_ms: int | None) -> JSON:
        msg_id = msg_id or secrets.token_hex(16)
        self.user_wrote(user_id, msg_id)
        return {"app_id": self.app_id, "sender": {"id": user_id},
                "user_id_by_app": f"{user_id}-byapp", "recipient": {"id": self.oa_id},
                "event_name": name,
                "message": {**message, "msg_id": msg_id},
                "timestamp": _ms(timestamp_ms)}

    def _follow(self, name: str, user_id: str, timestamp_ms: int | None) -> JSON:
        return {"oa_id": self.oa_id, "follower": {"id": user_id}, "event_name": name,
                "source": "oa_profile", "app_id": self.app_id,
                "user_id_by_app": f"{user_id}-byapp", "timestamp": _ms(timestamp_ms)}


def _ms(timestamp_ms: int | None) -> str:
    return str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))


def _oauth_error(code: int, description: str) -> JSON:
    return {"error": code, "error_name": description, "error_reason": description,
            "error_description": description,
            "ref_doc": "https://developers.zalo.me/docs/official-account/bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new"}
