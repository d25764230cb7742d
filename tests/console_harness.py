"""The web console served for real on loopback, and a browser-like HTTP client for it (cookies,
forms with their CSRF token), signed in through the link /dangnhap sends."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from bot.console import Console, add_console_routes
from bot.content_refresh import MatcherRefresher
from bot.pipeline import Pipeline
from bot.settings import Settings
from bot.web import create_web_app, start_web
from db.console_sessions import RedisSessions
from handlers.context import Services
from tests.fakes.chat import Chat
from tests.web_harness import free_port

LINK = re.compile(r"/console/login/([A-Za-z0-9_-]{20,})")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class ConsoleServer:
    url: str
    console: Console

    def browser(self) -> Browser:
        return Browser(self.url, aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies for 127.0.0.1
            headers={"Origin": self.url}))


@dataclass
class Browser:
    url: str
    http: aiohttp.ClientSession
    page: str = ""
    status: int = 0

    async def get(self, path: str) -> str:
        async with self.http.get(self.url + path) as response:
            self.status, self.page = response.status, await response.text()
        return self.page

    async def post(self, path: str, data: dict[str, str] | list[tuple[str, str]] | None = None,
                   *, csrf: bool = True, headers: dict[str, str] | None = None) -> str:
        """A form as the page would send it: a dict, or (name, value) pairs when a name repeats."""
        form = list(data.items() if isinstance(data, dict) else data or [])
        if csrf and (found := CSRF.search(self.page)) and "csrf" not in dict(form):
            form.append(("csrf", found[1]))
        async with self.http.post(self.url + path, data=form, headers=headers) as response:
            self.status, self.page = response.status, await response.text()
        return self.page

    async def sign_in(self, token: str) -> str:
        await self.get(f"/console/login/{token}")
        return await self.post("/console/login", {"token": token})

    async def close(self) -> None:
        await self.http.close()


async def login_token(chat: Chat) -> str:
    """The token of the sign-in link /dangnhap sends to the chat."""
    replies = await chat.send("/dangnhap")
    match = LINK.search(replies[0].text)
    assert match, replies[0].text
    return match[1]


@asynccontextmanager
async def console_server(pipeline: Pipeline, settings: Settings, clock: Callable[[], object],
                         services: Services | None = None,
                         session_store: RedisSessions | None = None
                         ) -> AsyncIterator[ConsoleServer]:
    """`services`: the console's own (another audience rule, say); the pipeline's by default.
    `session_store`: sessions in Redis (closed with the server); in the database by default."""
    services = services or pipeline.services
    console = Console(settings, pipeline.sessions, pipeline.services.catalogs,
                      clock=clock,  # type: ignore[arg-type]
                      services=services,
                      refresher=MatcherRefresher(services, pipeline.sessions,
                                                 clock=clock),  # type: ignore[arg-type]
                      session_store=session_store)
    app = create_web_app()
    add_console_routes(app, console)
    port = free_port()
    runner: web.AppRunner = await start_web(app, "127.0.0.1", port)
    try:
        yield ConsoleServer(f"http://127.0.0.1:{port}", console)
    finally:
        await runner.cleanup()

