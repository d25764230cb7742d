"""The web chat's HTTP API, used by the widget (bot/widget/v1.js). Under /web/v1/<site key>/:

    GET  hello            the widget's words in the visitor's language (?lang=vi|en)
    POST session          {token?} → the visitor (a new one, with its token, when none is given
                          or it is unknown), its conversation and the last event number
    POST conversations    start a new conversation (the old one tells its other tabs)
    POST messages         {id, text | payload + label, locale?}: `id` is made by the browser,
                          so a retry of the same message is handled once
    GET  stream           Server-Sent Events after ?after=N (or Last-Event-ID), live
    GET  events           the same as JSON, waiting up to 25 s with ?wait=1 (long polling)
    GET  /web/v1/files/<token>   a file a reply carried

Every request needs a known site key and an origin the site allows (else 403, without CORS
headers, so the page cannot read anything); all but `session` need the visitor's token
(Authorization: Bearer). Over the per-IP or per-site limit: 429 with Retry-After and a
polite message in the visitor's language, which the widget shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web
from aiohttp_sse import EventSourceResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.web import CHANNEL, WebChannel
from bot.channels.web_guard import Site, SlidingLimit, WebGuard
from bot.channels.web_hub import Watch
from bot.json_body import load_object
from content.errors import BodyError
from content.i18n import N_
from db.models import WebEvent, WebVisitor
from db.web_chat import HISTORY_LIMIT, WebEventLog, WebVisitors, token_hash
from handlers.messages import IncomingMessage

log = logging.getLogger(__name__)

PREFIX = "/web/v1"
MAX_BODY = 16 * 1024
"""A chat message is at most a few KB of JSON."""
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
POLL_SECONDS = 25.0
PING_SECONDS = 15.0
KNOWN_VISITORS = 50_000
"""Visitors remembered by token per worker (about 10 MB), then forgotten all at once."""
MOVED = "moved"
"""The event that ends a conversation when the visitor starts a new one (other tabs follow)."""

SLOW_DOWN = N_("You are sending too fast. Please wait {seconds} seconds and try again.")
NOT_ALLOWED = N_("This chat is not enabled for this website.")
SESSION_LOST = N_("Your chat session has ended. Please reload the page to start again.")
TOO_LARGE = N_("That message is too long to send. Please shorten it.")
MALFORMED = N_("Sorry, that message could not be read. Please try again.")
TRY_AGAIN = N_("Sorry, something went wrong on our side. Please try again in a moment.")

LABELS = {
    "title": N_("Digital Transformation Day assistant"),
    "open": N_("Open the chat"),
    "close": N_("Close the chat"),
    "send": N_("Send"),
    "placeholder": N_("Type your question…"),
    "new": N_("New conversation"),
    "sending": N_("Sending…"),
    "retrying": N_("Not sent yet; trying again…"),
    "offline": N_("You are offline. Your messages will be sent when the connection is back."),
    "reconnecting": N_("Reconnecting…"),
    "unread": N_("{count} new messages"),
    "notice": N_("Announcement"),
    "download": N_("Download"),
    "failed": N_("Not sent"),
    "messages": N_("Messages"),
}
"""The widget's own words, in the visitor's language (the replies come from the pipeline)."""

CORS: web.RequestKey[dict[str, str]] = web.RequestKey("cors", dict)

Handler = Callable[[web.Request, Site], Awaitable[web.StreamResponse]]


def event_json(event: WebEvent) -> dict[str, Any]:
    return {"seq": event.seq, "kind": event.kind, "body": event.body}


class WebApi:
    def __init__(self, channel: WebChannel) -> None:
        self.channel = channel
        self.sessions = channel.sessions
        self.catalogs = channel.catalogs
        self.hub = channel.hub
        settings = channel.settings
        self.guard = WebGuard(
            self.sessions,
            ip_limit=SlidingLimit(settings.web_ip_max_requests, settings.web_rate_window_seconds),
            site_limit=SlidingLimit(settings.web_site_max_requests,
                                    settings.web_rate_window_seconds),
            trusted_proxies=settings.web_trusted_proxies)
        self.reports_dir = Path(settings.reports_dir).resolve()
        self._known: dict[str, tuple[str, str]] = {}
        """Token hash → (visitor id, site key) of visitors who posted here."""

    def add_routes(self, app: web.Application) -> None:
        site = PREFIX + "/{site}"
        app.router.add_route("OPTIONS", site + "/{tail:.*}", self._guarded(self.preflight))
        app.router.add_get(site + "/hello", self._guarded(self.hello))
        app.router.add_post(site + "/session", self._guarded(self.session))
        app.router.add_post(site + "/conversations", self._guarded(self.new_conversation))
        app.router.add_post(site + "/messages", self._guarded(self.message))
        app.router.add_get(site + "/stream", self._guarded(self.stream))
        app.router.add_get(site + "/events", self._guarded(self.events))
        app.router.add_get(PREFIX + "/files/{token}", self.file)

    # -- every request --

    def _t(self, request: web.Request) -> Callable[[str], str]:
        lang = request.query.get("lang")
        return self.catalogs.translator(self.catalogs.resolve(lang if lang in ("vi", "en") else None))

    def _error(self, request: web.Request, status: int, code: str, message: str,
               headers: dict[str, str] | None = None) -> web.Response:
        return web.json_response({"error": code, "message": message}, status=status,
                                 headers=headers)

    def _guarded(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """The site and origin checks, the limits and the CORS headers around a handler."""
        async def guarded(request: web.Request) -> web.StreamResponse:
            t = self._t(request)
            origin = self.guard.origin_of(request)
            try:
                site = await self.guard.site(request.match_info["site"])
            except (SQLAlchemyError, OSError) as exc:
                self.channel.intake.failures.failure("web chat: could not read site keys",
                                                     exc=exc)
                return self._error(request, 503, "unavailable", t(TRY_AGAIN),
                                   {"Retry-After": "5"})
            if site is None or origin not in site.origins:
                log.info("web chat: refused a request for site %r from origin %r",
                         request.match_info["site"][:32], origin[:100])
                return self._error(request, 403, "origin", t(NOT_ALLOWED))
            cors = {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
                    "Access-Control-Expose-Headers": "Retry-After"}
            request[CORS] = cors
            if request.method != "OPTIONS":
                wait = self.guard.wait_seconds(request, site)
                if wait:
                    return self._error(request, 429, "slow_down", t(SLOW_DOWN).format(seconds=wait),
                                       {**cors, "Retry-After": str(wait)})
            try:
                response = await handler(request, site)
            except (SQLAlchemyError, OSError) as exc:
                self.channel.intake.failures.failure("web chat: a request failed (%s)",
                                                     type(exc).__name__, exc=exc)
                response = self._error(request, 503, "unavailable", t(TRY_AGAIN),
                                       {"Retry-After": "2"})
            if not response.prepared:
                response.headers.update(cors)
            return response
        return guarded

    async def preflight(self, request: web.Request, site: Site) -> web.Response:
        return web.Response(status=204, headers={
            "Access-Control-Allow-Methods": "GET, POST",
            "Access-Control-Allow-Headers": "Authorization, Content-Type, Last-Event-ID",
            "Access-Control-Max-Age": "600"})

    async def _body(self, request: web.Request) -> dict[str, Any] | web.Response:
        t = self._t(request)
        if (request.content_length or 0) > MAX_BODY:
            return self._error(request, 413, "too_large", t(TOO_LARGE))
        raw = await request.content.read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            return self._error(request, 413, "too_large", t(TOO_LARGE))
        try:
            return load_object(raw) if raw.strip() else {}
        except BodyError:
            return self._error(request, 400, "malformed", t(MALFORMED))

    @staticmethod
    def _token(request: web.Request) -> str | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None

    async def _visitor(self, request: web.Request, site: Site) -> WebVisitor | None:
        token = self._token(request)
        if token is None:
            return None
        async with self.sessions() as session:
            visitor = await WebVisitors(session).by_token(token)
        if visitor is None or visitor.site_key != site.key:
            return None
        self._remember(token, visitor.id, visitor.site_key)
        return visitor

    def _remember(self, token: str, visitor_id: str, site_key: str) -> None:
        if len(self._known) > KNOWN_VISITORS:
            self._known.clear()
        self._known[token_hash(token)] = (visitor_id, site_key)

    async def _visitor_id(self, request: web.Request, site: Site) -> str | None:
        """The visitor's id for posting a message, remembered by token once it was read (by
        any request of the visitor's): a visitor's token and site never change (its data can
        be erased, the random id stays), so every message need not read it again."""
        token = self._token(request)
        known = self._known.get(token_hash(token)) if token else None
        if known is not None:
            return known[0] if known[1] == site.key else None
        visitor = await self._visitor(request, site)
        return visitor.id if visitor is not None else None

    def _lost(self, request: web.Request) -> web.Response:
        return self._error(request, 401, "session", self._t(request)(SESSION_LOST))

    # -- the endpoints --

    async def hello(self, request: web.Request, site: Site) -> web.Response:
        """The widget's words; answered only for an allowed origin, so a page the site key was
        not made for draws no launcher."""
        t = self._t(request)
        return web.json_response({"labels": {key: t(text) for key, text in LABELS.items()}},
                                 headers={"Cache-Control": "private, max-age=300"})

    async def session(self, request: web.Request, site: Site) -> web.Response:
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        token = body.get("token")
        async with self.channel.pipeline.writing(), self.sessions() as session, session.begin():
            visitors = WebVisitors(session)
            visitor = await visitors.by_token(token) if isinstance(token, str) else None
            new_token = None
            if visitor is None or visitor.site_key != site.key:
                visitor, new_token = await visitors.create(site.key)
            last = await WebEventLog(session).last_seq(visitor.conversation_id)
            visitor_id = visitor.id
            answer = {"visitor": visitor_id, "conversation": visitor.conversation_id,
                      "last_seq": last, "token": new_token}
        self._remember(new_token or str(token), visitor_id, site.key)  # committed
        if new_token is not None:
            locale = body.get("locale")
            await self.channel.greet(visitor_id, locale if locale in ("vi", "en") else None)
        return web.json_response(answer)

    async def new_conversation(self, request: web.Request, site: Site) -> web.Response:
        visitor = await self._visitor(request, site)
        if visitor is None:
            return self._lost(request)
        async with self.channel.pipeline.writing(), self.sessions() as session, session.begin():
            visitor = await WebVisitors(session).get(visitor.id)
            if visitor is None:
                return self._lost(request)
            old = visitor.conversation_id
            new = await WebVisitors(session).new_conversation(visitor)
            seq = await WebEventLog(session).append(old, MOVED, {"conversation": new})
        if seq is not None:
            self.hub.stored(old, [{"seq": seq, "kind": MOVED, "body": {"conversation": new}}])
        return web.json_response({"conversation": new, "last_seq": 0})

    async def message(self, request: web.Request, site: Site) -> web.Response:
        t = self._t(request)
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        visitor_id = await self._visitor_id(request, site)
        if visitor_id is None:
            return self._lost(request)
        client_id, text, payload = body.get("id"), body.get("text", ""), body.get("payload")
        label, locale = body.get("label"), body.get("locale")
        if (not isinstance(client_id, str) or not CLIENT_ID.match(client_id)
                or not isinstance(text, str) or not (payload is None or isinstance(payload, str))
                or (payload is None and not text.strip())
                or not (label is None or isinstance(label, str))):
            return self._error(request, 400, "malformed", t(MALFORMED))
        msg = IncomingMessage(CHANNEL, visitor_id, visitor_id, text="" if payload else text,
                              payload=payload[:256] if payload else None,
                              locale_hint=locale if locale in ("vi", "en") else None,
                              update_id=f"{visitor_id}:{client_id}")
        accepted = await self.channel.accept(msg, label[:200] if label else None)
        return web.json_response({"accepted": accepted, "duplicate": not accepted},
                                 status=202 if accepted else 200)

    async def _cursor(self, request: web.Request, visitor: WebVisitor) -> tuple[int, int, bool]:
        """The conversation to read, the number to read after, and whether the browser's
        conversation was replaced (it starts again from the first event)."""
        asked = request.query.get("conversation", "")
        after = request.headers.get("Last-Event-ID") or request.query.get("after", "0")
        try:
            cursor = max(0, int(after))
        except ValueError:
            cursor = 0
        current = visitor.conversation_id
        if asked != str(current):
            return current, 0, True
        return current, cursor, False

    async def _read(self, conversation_id: int, cursor: int) -> list[dict[str, Any]]:
        async with self.sessions() as session:
            events = await WebEventLog(session).after(conversation_id, cursor)
        return [event_json(event) for event in events]

    async def events(self, request: web.Request, site: Site) -> web.Response:
        visitor = await self._visitor(request, site)
        if visitor is None:
            return self._lost(request)
        conversation_id, cursor, reset = await self._cursor(request, visitor)
        with self.hub.watch(conversation_id) as watch:
            events = await self._read(conversation_id, cursor)
            if not events and request.query.get("wait") == "1":
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(watch.woke.wait(), POLL_SECONDS)
                events = await self._read(conversation_id, cursor)
        return web.json_response({"conversation": conversation_id, "reset": reset,
                                  "events": events})

    async def stream(self, request: web.Request, site: Site) -> web.StreamResponse:
        """Every event after the cursor, then each new one as it is stored. An idle stream is
        one request task and aiohttp-sse's ping task, holding no events: a worker keeps
        thousands open."""
        visitor = await self._visitor(request, site)
        if visitor is None:
            return self._lost(request)
        conversation_id, cursor, reset = await self._cursor(request, visitor)
        del visitor  # not held for the hours a stream may stay open
        response = EventSourceResponse(headers=request[CORS], ping_interval=PING_SECONDS)
        await response.prepare(request)
        try:
            if reset:
                await response.send(json.dumps({"conversation": conversation_id}), event="reset")
            with self.hub.watch(conversation_id) as watch:
                events = await self._read(conversation_id, cursor)
                while True:
                    cursor = await _send(response, events, cursor)
                    if any(event["kind"] == MOVED for event in events) or self.hub.stopping:
                        break  # the browser follows the new conversation on a new stream
                    if len(events) == HISTORY_LIMIT:  # more are waiting: read on
                        events = await self._read(conversation_id, cursor)
                        continue
                    events = []
                    if not await _woken(watch, response):
                        break
                    handed = watch.take(cursor)
                    events = handed if handed is not None else await self._read(conversation_id,
                                                                                 cursor)
        except ConnectionResetError:
            pass  # the browser went away; it reconnects from its cursor
        finally:
            response.stop_streaming()
        return response

    async def file(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        async with self.sessions() as session:
            stored = await WebEventLog(session).file(token)
        path = await asyncio.to_thread(_servable, stored.path, self.reports_dir) if stored else None
        if stored is None or path is None:
            raise web.HTTPNotFound()
        disposition = "inline" if stored.kind == "image" else "attachment"
        return web.FileResponse(path, headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{_quoted(stored.filename)}",
            "Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"})


async def _send(response: EventSourceResponse, events: list[dict[str, Any]], cursor: int) -> int:
    """Send the events in order; the cursor after them."""
    for event in events:
        await response.send(json.dumps(event, ensure_ascii=False), id=str(event["seq"]),
                            event="message")
        cursor = event["seq"]
    return cursor


async def _woken(watch: Watch, response: EventSourceResponse) -> bool:
    """Wait for the watch without a task of its own; False once the browser is gone (the ping
    that aiohttp-sse sends every PING_SECONDS failed), looked at as often."""
    while not watch.woke.is_set():
        if not response.is_connected():
            return False
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(PING_SECONDS):
                await watch.woke.wait()
    return True


def _servable(stored: str, root: Path) -> Path | None:
    """The file, when it still exists inside the reports folder (nothing else is served)."""
    path = Path(stored).resolve()
    return path if path.is_file() and path.is_relative_to(root) else None


def _quoted(name: str) -> str:
    return quote(name, safe="")
