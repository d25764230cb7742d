"""The web chat served for real on loopback: the bot's web app with the web channel, a site key
for a portal origin, and a browser-like HTTP client (aiohttp) that speaks the widget's API."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.channels.web import WebChannel
from bot.channels.web_assets import add_demo_routes, add_widget_routes
from bot.channels.web_hub import WebEventHub
from bot.pipeline import Pipeline
from bot.settings import Settings
from bot.web import create_web_app, start_web
from db.web_chat import WebEventLog, WebSites
from handlers.messages import Reply

PORTAL = "http://portal.test:8000"
SITE = "portal-key"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class WebServer:
    channel: WebChannel
    url: str
    runner: web.AppRunner
    client: aiohttp.ClientSession
    greeting: int = 0
    """The number of the last greeting event of the newest visitor."""

    @property
    def api(self) -> str:
        return f"{self.url}/web/v1/{SITE}"

    async def visitor(self, origin: str = PORTAL) -> Visitor:
        async with self.client.post(f"{self.api}/session", json={},
                                    headers={"Origin": origin}) as response:
            assert response.status == 200, await response.text()
            data = await response.json()
        await self.channel.idle()  # the greeting is stored
        self.greeting = data["last_seq"] or await self._last(data)
        return Visitor(self, data["token"], data["conversation"], origin)

    async def _last(self, data: dict[str, Any]) -> int:
        async with self.channel.sessions() as session:
            return await WebEventLog(session).last_seq(data["conversation"])


@dataclass
class Visitor:
    server: WebServer
    token: str
    conversation: int
    origin: str = PORTAL
    seen: list[dict[str, Any]] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Origin": self.origin, "Authorization": f"Bearer {self.token}"}

    async def post(self, text: str = "", *, client_id: str | None = None,
                   payload: str | None = None, label: str | None = None,
                   wait: bool = True) -> aiohttp.ClientResponse:
        body = {"id": client_id or uuid.uuid4().hex, "text": text, "payload": payload,
                "label": label}
        async with self.server.client.post(f"{self.server.api}/messages", json=body,
                                           headers=self.headers) as response:
            await response.read()
        if wait:
            await self.server.channel.idle()
        return response

    async def events(self, after: int = 0, conversation: int | None = None) -> dict[str, Any]:
        params = {"conversation": str(conversation or self.conversation), "after": str(after)}
        async with self.server.client.get(f"{self.server.api}/events", params=params,
                                          headers=self.headers) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def texts(self, after: int = 0) -> list[tuple[str, str]]:
        return [(e["kind"], e["body"].get("text", "")) for e in (await self.events(after))["events"]]


async def read_stream(response: aiohttp.ClientResponse,
                      count: int) -> list[tuple[str, str, dict[str, Any]]]:
    """The next `count` events of an open SSE response: (event, id, data)."""
    found: list[tuple[str, str, dict[str, Any]]] = []
    fields: dict[str, str] = {}

    async def read() -> None:
        while len(found) < count:
            line = (await response.content.readline()).decode().rstrip("\r\n")
            if line == "":
                if "data" in fields:
                    found.append((fields.get("event", "message"), fields.get("id", ""),
                                  json.loads(fields["data"])))
                fields.clear()
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                fields[name] = value.lstrip(" ")
    await asyncio.wait_for(read(), 30)
    return found


async def store_replies(channel: WebChannel, visitor_id: str, replies: list[Reply],
                        key: str) -> None:
    """Replies stored as the intake stores those of a handled message (`key`: its entry)."""
    async with channel.sessions() as session, session.begin():
        done = await channel.store(session, visitor_id, replies, key)
    assert done is not None
    done()


def web_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"database_url": database_url, "reports_dir": tmp_path / "reports",
                              "web_poll_seconds": 0.1, **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def web_server(pipeline: Pipeline, settings: Settings, *, origins: tuple[str, ...] = (PORTAL,),
                     demo: bool = False, make_site: bool = True) -> AsyncIterator[WebServer]:
    """The web app on a free loopback port with the web channel started."""
    if make_site:
        async with pipeline.sessions() as session, session.begin():
            if await WebSites(session).get(SITE) is None:
                await WebSites(session).add("Cổng thử", origins, key=SITE)
    hub = WebEventHub(pipeline.sessions, settings.web_poll_seconds)
    channel = WebChannel(settings, pipeline, hub)
    app = create_web_app()
    channel.add_routes(app)
    add_widget_routes(app)
    if demo:
        add_demo_routes(app)
    port = free_port()
    runner = await start_web(app, "127.0.0.1", port)
    await channel.start()
    client = aiohttp.ClientSession()
    try:
        yield WebServer(channel, f"http://127.0.0.1:{port}", runner, client)
    finally:
        await client.close()
        await channel.stop()
        await runner.cleanup()
