"""`cdsbot run`: start every configured channel and the web server; stop cleanly on a signal."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
import sys

from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.app import App, open_app, settle_startup_objects
from bot.broadcast.worker import run_worker
from bot.channels.base import Channel
from bot.channels.console import ConsoleChannel, run_console
from bot.channels.telegram import TelegramChannel
from bot.channels.web import WebChannel
from bot.channels.web_assets import (
    DEMO_PATH,
    WIDGET_PATH,
    add_demo_routes,
    add_widget_routes,
    demo_origins,
    ensure_demo_site,
)
from bot.channels.web_hub import WebEventHub
from bot.channels.zalo import ZaloChannel
from bot.console.pages import Console, add_console_routes
from bot.failure_log import SCHEMA_MISSING_HINT, is_schema_missing
from bot.housekeeping import run_housekeeping
from bot.platforms import Platforms, configured_platforms, opened
from bot.platforms.telegram import TelegramPlatform
from bot.platforms.zalo import ZaloPlatform
from bot.reminders import run_planner
from bot.settings import Settings
from bot.web import Check, NotReady, create_web_app, start_web
from db.migrate import head_revision

log = logging.getLogger(__name__)


async def run(settings: Settings) -> None:
    """Every configured channel and the web chat; with no platform configured, the console chat
    beside the web chat and its demo page."""
    async with open_app(settings) as app:
        if settings.local_only:
            log.info("No channel token configured: the console chat, and the web chat on its "
                     "demo page.")
            await rehearse(app)
            return
        await serve(app, _stop_event())


async def rehearse(app: App) -> None:
    """No platform configured: the web server (the web chat, its demo page) and the console
    chat together; the broadcast worker delivers to both. When the console's input ends
    without a terminal (a service, `< /dev/null`), the web keeps serving until SIGTERM."""
    stop = asyncio.Event()
    started = asyncio.Event()
    server = asyncio.create_task(serve(app, stop, started=started))
    starting = asyncio.create_task(started.wait())
    await asyncio.wait({server, starting}, return_when=asyncio.FIRST_COMPLETED)
    starting.cancel()
    if server.done():
        await server  # it could not start (a port in use): say why
        return
    for sig in (signal.SIGINT, signal.SIGTERM):  # stop between lines, never inside one
        with contextlib.suppress(NotImplementedError):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    console = ConsoleChannel(app.pipeline)
    t = app.services.catalogs.translator(app.services.catalogs.default_locale)
    console.out.write(t("Web chat demo page: {url}").format(url=demo_url(app.settings)) + "\n")
    console.out.flush()
    try:
        await run_console(console, stop=stop)  # a line being handled is finished first
        if not sys.stdin.isatty():
            await stop.wait()
    finally:
        stop.set()
        await server


def demo_url(settings: Settings) -> str:
    return settings.public_url() + DEMO_PATH


async def chat(app: App, user: str | None = None) -> None:
    """The console chat. With no platform configured, the broadcast worker runs alongside and
    delivers to the local channels (bot/platforms/local.py): an officer can rehearse a
    broadcast here and watch it go, and nothing leaves this machine."""
    settings = app.settings
    console = ConsoleChannel(app.pipeline, user)
    if not settings.local_only or not settings.broadcast_worker_in_run:
        await run_console(console)  # a real platform's broadcasts are `cdsbot run`'s to send
        return
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(settings, stop_event=stop, sessions=app.sessions))
    try:
        await run_console(console)
    finally:
        stop.set()
        await worker


def readiness_checks(app: App) -> dict[str, Check]:
    """What /readyz asks: the database, and Redis when the broadcast rate lives there."""
    head = head_revision()

    async def database() -> None:
        async with app.engine.connect() as connection:
            try:
                version = (await connection.execute(
                    text("SELECT version_num FROM alembic_version"))).scalar()
            except (ProgrammingError, OperationalError) as exc:
                if not is_schema_missing(exc.orig or exc):
                    raise
                version = None
        if version != head:  # recreated empty, or migrated by another version of the bot
            raise NotReady(SCHEMA_MISSING_HINT if version is None else
                           f"the database is at migration {version}, this bot needs {head}: "
                           "run `cdsbot db upgrade`")

    checks: dict[str, Check] = {"database": database}
    if app.settings.redis_url:
        redis_url = app.settings.redis_url

        async def redis() -> None:
            import redis.asyncio as aioredis

            client = aioredis.Redis.from_url(redis_url)
            try:
                await client.ping()
            finally:
                await client.aclose()

        checks["redis"] = redis
    return checks


def build_channels(app: App, platforms: Platforms) -> list[Channel]:
    """A chat channel on each platform the settings configure."""
    channels: list[Channel] = []
    for platform in platforms.values():
        if isinstance(platform, TelegramPlatform):
            channels.append(TelegramChannel(app.settings, app.pipeline, platform))
        elif isinstance(platform, ZaloPlatform):
            channels.append(ZaloChannel(app.settings, app.pipeline, platform))
    return channels


async def serve(app: App, stop: asyncio.Event, started: asyncio.Event | None = None) -> None:
    """Run the web server and the configured channels until `stop` is set (`started` is set
    once the server listens)."""
    settings = app.settings
    web_app = create_web_app(readiness_checks(app))
    hub = WebEventHub(app.sessions, settings.web_poll_seconds)
    platforms = configured_platforms(settings, app.sessions, hub)
    channels = [*build_channels(app, platforms), WebChannel(settings, app.pipeline, hub)]
    for channel in channels:
        channel.add_routes(web_app)
    add_widget_routes(web_app)
    add_console_routes(web_app, Console(settings, app.sessions, app.services.catalogs,
                                        services=app.services, refresher=app.refresher))
    if settings.web_demo or (settings.web_demo is None and settings.local_only):
        add_demo_routes(web_app)
        await ensure_demo_site(app.sessions, demo_origins(settings.web_host, settings.web_port))
    settle_startup_objects()
    runner = await start_web(web_app, settings.web_host, settings.web_port)  # a port in use: first
    log.info("Web server on %s:%s (/healthz, %s)", settings.web_host, settings.web_port,
             WIDGET_PATH)
    if started is not None:
        started.set()
    try:
        async with opened(platforms):
            await _run_channels(app, channels, platforms, stop)
    finally:
        await runner.cleanup()


async def _run_channels(app: App, channels: list[Channel], platforms: Platforms,
                        stop: asyncio.Event) -> None:
    """The channels, the reminder planner, the housekeeping and the worker until `stop`."""
    settings = app.settings
    started: list[Channel] = []
    background: list[asyncio.Task[object]] = []
    try:
        for channel in channels:
            await channel.start()
            started.append(channel)
        background.append(asyncio.create_task(run_planner(
            app.services, app.sessions, settings.reminder_days_before, stop)))
        background.append(asyncio.create_task(app.refresher.run(stop)))
        background.append(asyncio.create_task(run_housekeeping(
            app.sessions, dt.timedelta(days=settings.message_retention_days), stop)))
        if settings.broadcast_worker_in_run:  # on the channels' own connections
            background.append(asyncio.create_task(run_worker(
                settings, stop_event=stop, sessions=app.sessions, platforms=platforms)))
        await stop.wait()
    finally:
        for task in background:
            await task
        for channel in reversed(started):
            await channel.stop()


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop
