"""The console sub-application and what every request passes through.

A request gets its language (?lang= remembered in a cookie, else the user's, else Vietnamese),
its session (the cookie, re-checked in the database each time), and for a POST the Origin check
and, once signed in, the CSRF token of its session; every response carries a strict CSP and is
not cached, framed or sent with a Referer to another site (sign-in links are in URLs).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web
from redis.exceptions import ConnectionError as RedisDown
from redis.exceptions import TimeoutError as RedisSlow
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content_refresh import MatcherRefresher
from bot.settings import Settings
from content.i18n import N_, Catalogs, Translator
from content.models import Pack
from db.console import ConsoleAuth, Signed
from db.console_sessions import RedisSessions
from db.models import Clock, Role, as_utc, utcnow
from handlers.context import Services

log = logging.getLogger(__name__)
STORAGE_DOWN = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout, RedisDown,
                RedisSlow, OSError)
"""The database or Redis not answering (not a mistake of ours, which stays a 500 and a trace)."""

CONSOLE_PATH = "/console"
COOKIE = "cds_console"
LANG_COOKIE = "cds_console_lang"
HERE = Path(__file__).resolve().parent
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                "script-src 'self'; frame-ancestors 'none'; form-action 'self'; "
                                "base-uri 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: Chromium then sends "Origin: null" with our own forms. Same-origin keeps
    # sign-in links (tokens in the URL) from leaking to other sites all the same.
    "Referrer-Policy": "same-origin",
}

FORBIDDEN_ORIGIN = N_("This form was sent from another website and was refused.")
STALE_FORM = N_("This form has expired. Go back, reload the page and try again.")
NOT_FOUND = N_("This page does not exist.")
FORBIDDEN = N_("You may not open this page.")
UNAVAILABLE = N_("The console cannot reach its database just now. Please try again in a "
                 "minute.")
REFUSED_TITLES = {403: N_("Not allowed"), 404: N_("Page not found"),
                  503: N_("Temporarily unavailable")}
"""A refusal page's heading; the message says why."""
BAD_DATES = N_("Those dates could not be read; showing the last {days} days. Use the date "
               "pickers or type dates as YYYY-MM-DD, the first before the second.")
LONGEST_PERIOD = 800
"""Days a page's period may span at most (as /baocao's)."""
REVERSED_DATES = N_("The first date is after the second; showing the last {days} days.")
LONG_PERIOD = N_("A period can be at most {most} days long; showing the last {days} days.")

CONSOLE: web.AppKey[Console] = web.AppKey("console")
SIGNED: web.RequestKey[Signed | None] = web.RequestKey("signed")
T: web.RequestKey[Translator] = web.RequestKey("t")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Console:
    """What the console's handlers share."""

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession],
                 catalogs: Catalogs, clock: Clock = utcnow, *, services: Services | None = None,
                 refresher: MatcherRefresher | None = None,
                 session_store: RedisSessions | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.catalogs = catalogs
        self.clock = clock
        self.services = services
        """The content and the matcher (the inbox's closest entries); None: none shown."""
        self.refresher = refresher
        self.secure_cookies = settings.public_url().startswith("https://")
        self.tz = settings.tz
        self.session_store = session_store or (
            RedisSessions(settings.redis_url) if settings.redis_url else None)
        """Signed-in browsers in Redis when REDIS_URL is set; None: in the database."""

    def auth(self, session: AsyncSession) -> ConsoleAuth:
        return ConsoleAuth(session, self.clock, self.settings.admins, self.session_store)

    async def close(self, _app: web.Application | None = None) -> None:
        if self.session_store is not None:
            await self.session_store.close()

    def translator(self, request: web.Request, signed: Signed | None) -> Translator:
        asked = request.query.get("lang")
        chosen = asked if asked in ("vi", "en") else request.cookies.get(LANG_COOKIE)
        return self.catalogs.translator(self.catalogs.resolve(
            chosen, signed.user.locale if signed else None))

    def set_session_cookie(self, response: web.StreamResponse, cookie: str) -> None:
        response.set_cookie(COOKIE, cookie, path=CONSOLE_PATH, httponly=True,
                            secure=self.secure_cookies, samesite="Lax")

    def when(self, request: web.Request, value: Any) -> str:
        """A stored time in Asia/Ho_Chi_Minh, formatted for the page's language."""
        local = as_utc(value).astimezone(self.tz)
        fmt = request[T].fmt
        return f"{fmt.date(local.date())} {fmt.time(local.time())}"


def render(request: web.Request, template: str, status: int = 200,
           **context: Any) -> web.Response:
    signed = request[SIGNED]
    return aiohttp_jinja2.render_template(template, request, {
        "_": request[T], "lang": request[T].locale, "signed": signed,
        "csrf": signed.session.csrf if signed else "", "path": request.path,
        "fmt": request[T].fmt,
        "when": lambda value: request.app[CONSOLE].when(request, value), **context},
        status=status)


def refuse(request: web.Request, status: int, message: str) -> web.Response:
    t = request[T]
    title = REFUSED_TITLES.get(status)
    return render(request, "message.html", status=status, title=t(title) if title else t(message),
                  message=t(message))


def same_origin(request: web.Request, public: str) -> bool:
    """A POST from one of our pages: its Origin, when the browser sends one, is ours (our
    address as the proxy in front sees it, or as this server sees it)."""
    origin = request.headers.get("Origin")
    return origin is None or origin in {_origin(public), f"{request.scheme}://{request.host}"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every page: who is signed in, the page's language, the form's origin and CSRF token;
    refusals and a storage outage as pages in that language, not as errors."""
    try:
        return await _guarded(request, handler)
    except STORAGE_DOWN as error:
        log.warning("console: %s %s failed, storage unavailable (%s)", request.method,
                    request.path, type(error).__name__)
        request[SIGNED] = None
        request[T] = request.app[CONSOLE].translator(request, None)
        return _secured(refuse(request, 503, UNAVAILABLE))


async def _guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    console = request.app[CONSOLE]
    signed: Signed | None = None
    cookie = request.cookies.get(COOKIE)
    if cookie:
        async with console.sessions() as session, session.begin():
            signed = await console.auth(session).signed(cookie)
    request[SIGNED] = signed
    request[T] = console.translator(request, signed)
    if request.method == "POST":
        if not same_origin(request, console.settings.public_url()):
            return _secured(refuse(request, 403, FORBIDDEN_ORIGIN))
        if signed is not None:
            form = await request.post()
            if not hmac.compare_digest(str(form.get("csrf", "")), signed.session.csrf):
                return _secured(refuse(request, 403, STALE_FORM))
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        response = refuse(request, 404, NOT_FOUND)
    except web.HTTPForbidden:
        response = refuse(request, 403, FORBIDDEN)
    except web.HTTPRedirection as redirect:
        _secured(redirect)
        raise
    asked = request.query.get("lang")
    if asked in ("vi", "en"):
        response.set_cookie(LANG_COOKIE, asked, path=CONSOLE_PATH, samesite="Lax",
                            max_age=365 * 24 * 3600)
    return _secured(response)


def _secured(response: web.StreamResponse) -> web.StreamResponse:
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def period(request: web.Request, today: dt.date, default_days: int
           ) -> tuple[dt.date, dt.date, str | None]:
    """The inclusive dates ?from= and ?to= ask for (the last `default_days` when none; from a
    day alone: up to today, or the longest period), and what was wrong with what was asked:
    a message for period_warning, None when nothing (if something, the default is used)."""
    default = (today - dt.timedelta(days=default_days - 1), today)
    raw_start, raw_end = request.query.get("from"), request.query.get("to")
    if not raw_start and not raw_end:
        return default[0], default[1], None
    try:
        start = dt.date.fromisoformat(raw_start) if raw_start else default[0]
        end = dt.date.fromisoformat(raw_end) if raw_end else max(start, min(
            today, start + dt.timedelta(days=LONGEST_PERIOD - 1)))
    except ValueError:
        return default[0], default[1], BAD_DATES
    if start > end:
        return default[0], default[1], REVERSED_DATES
    if (end - start).days >= LONGEST_PERIOD:
        return default[0], default[1], LONG_PERIOD
    return start, end, None


def period_warning(t: Translator, problem: str | None, default_days: int) -> str | None:
    return t(problem, days=default_days, most=LONGEST_PERIOD) if problem else None


def signed_user(request: web.Request) -> Signed:
    """Who is signed in, on a page behind signed_in."""
    signed = request[SIGNED]
    assert signed is not None
    return signed


def may_change(signed: Signed, pack: Pack | None, province: str | None = None) -> bool:
    """Whose content a person may change: an admin any pack; an officer their own province's
    (a former province's pack counts for the province it is part of now; `province` for a
    pack not made yet), not the national one."""
    if signed.role >= Role.ADMIN:
        return True
    current = pack.province.current if pack and pack.province else province
    return (signed.role >= Role.OFFICER and current is not None
            and current == signed.user.scope_province)


def signed_in(handler: Handler) -> Handler:
    """A page for signed-in people only: the others go to the page that says how to sign in."""
    async def page(request: web.Request) -> web.StreamResponse:
        if request[SIGNED] is None:
            raise web.HTTPSeeOther(CONSOLE_PATH + "/signin")
        return await handler(request)
    return page


def add_console_routes(web_app: web.Application, console: Console) -> None:
    from bot.console import (  # they use this module's helpers
        broadcasts,
        content,
        inbox,
        overview,
        phrasings,
        reports,
        signin,
        teams,
    )

    app = web.Application(middlewares=[guard])
    app[CONSOLE] = console
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"),
                         autoescape=jinja2.select_autoescape(default=True),
                         undefined=jinja2.StrictUndefined)
    signin.add_routes(app)
    overview.add_routes(app)
    inbox.add_routes(app)
    reports.add_routes(app)
    phrasings.add_routes(app)
    teams.add_routes(app)
    broadcasts.add_routes(app)
    content.add_routes(app)
    app.router.add_static("/static", HERE / "static")
    web_app.add_subapp(CONSOLE_PATH, app)
    web_app.router.add_get(CONSOLE_PATH, _to_console)
    web_app.on_cleanup.append(console.close)


async def _to_console(request: web.Request) -> web.Response:
    raise web.HTTPPermanentRedirect(CONSOLE_PATH + "/")

