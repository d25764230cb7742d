"""Browser tests' parts: Debian's Chromium driven by Playwright (never a downloaded browser), a
fake provincial portal on a second origin with a strict CSP that embeds the widget, and a
driver that chats through the widget as a person does, reading what the panel shows."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.web import start_web
from db.models import WebVisitor
from db.web_chat import WebEventLog
from tests.web_harness import SITE, WebServer, free_port

CHROMIUM = "/usr/bin/chromium"
PANEL = "[data-cdsbot]"


def portal_csp(bot_url: str) -> str:
    """What a careful portal sends: only its own resources and the bot's, no inline anything."""
    return (f"default-src 'none'; script-src 'self' {bot_url}; connect-src {bot_url}; "
            f"img-src 'self' {bot_url}; style-src 'self'; base-uri 'none'; form-action 'none'")


def portal_page(bot_url: str, site: str = SITE, lang: str = "vi") -> str:
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<title>Cổng thông tin thử</title></head><body><main><h1>Cổng thông tin tỉnh</h1>'
            '<p>Tin tức chuyển đổi số.</p><a href="#top">Lên đầu trang</a></main>'
            f'<script src="{bot_url}/widget/v1.js" data-site="{site}" async></script>'
            '</body></html>')


@asynccontextmanager
async def portal(bot_url: str, site: str = SITE, port: int | None = None) -> AsyncIterator[str]:
    """A portal page on its own origin (http://localhost:PORT, the bot being on 127.0.0.1)."""
    async def page(request: web.Request) -> web.Response:
        lang = request.query.get("lang", "vi")
        return web.Response(text=portal_page(bot_url, site, lang), content_type="text/html",
                            headers={"Content-Security-Policy": portal_csp(bot_url)})

    async def no_icon(request: web.Request) -> web.Response:
        return web.Response(status=204)

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/favicon.ico", no_icon)
    port = port or free_port()
    runner = await start_web(app, "127.0.0.1", port)
    try:
        yield f"http://localhost:{port}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def chromium() -> AsyncIterator[object]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class WidgetDriver:
    """Chats through the widget on a page; implements tests/test_conversations.py's Driver."""

    page: object
    server: WebServer
    errors: list[str]
    shown_payloads: tuple[str, ...] = ()
    """The buttons of the newest message with buttons, read after each action."""

    async def open(self) -> str:
        page = self.page
        await page.locator(f"{PANEL} .launcher").click()  # type: ignore[attr-defined]
        await page.locator(f"{PANEL} .msg.bot").first.wait_for()  # type: ignore[attr-defined]
        return await self._since(0)

    async def _last_shown(self) -> int:
        seqs = await self.page.locator(f"{PANEL} .msg[data-seq]").evaluate_all(  # type: ignore[attr-defined]
            "nodes => nodes.map(n => Number(n.dataset.seq))")
        return max(seqs, default=0)

    async def settle(self) -> None:
        """Wait until the message sent is accepted, handled, and every event is on screen."""
        page = self.page
        await page.locator(f"{PANEL} [data-pending]").first.wait_for(  # type: ignore[attr-defined]
            state="detached")
        await self.server.channel.idle()
        last = await self.last_seq()
        await page.locator(f'{PANEL} .msg[data-seq="{last}"]').wait_for(  # type: ignore[attr-defined]
            state="attached")

    async def last_seq(self) -> int:
        async with self.server.channel.sessions() as session:
            visitor = (await session.execute(
                select(WebVisitor).order_by(WebVisitor.created_at.desc()))).scalars().first()
            return await WebEventLog(session).last_seq(visitor.conversation_id) if visitor else 0

    async def _since(self, seq: int) -> str:
        await self.settle_shown()
        self.shown_payloads = tuple(await self.payloads_now())
        texts = await self.page.locator(f"{PANEL} .msg.bot[data-seq], {PANEL} .msg.notice").evaluate_all(  # type: ignore[attr-defined]
            f"nodes => nodes.filter(n => Number(n.dataset.seq) > {seq}).map(n => n.innerText)")
        return "\n".join(texts)

    async def settle_shown(self) -> None:
        await self.server.channel.idle()
        last = await self.last_seq()
        await self.page.locator(f'{PANEL} .msg[data-seq="{last}"]').wait_for(  # type: ignore[attr-defined]
            state="attached")

    async def say(self, text: str) -> str:
        before = await self._last_shown()
        box = self.page.locator(f"{PANEL} textarea")  # type: ignore[attr-defined]
        await box.fill(text)
        await box.press("Enter")
        await self.settle()
        return await self._since(before)

    async def press(self, payload: str) -> str:
        assert payload in await self.payloads_now(), f"{payload} not offered"
        before = await self._last_shown()
        await self.page.locator(  # type: ignore[attr-defined]
            f'{PANEL} .msg[data-seq] button[data-payload="{payload}"]').last.click()
        await self.settle()
        return await self._since(before)

    async def payloads_now(self) -> list[str]:
        """The buttons of the newest message that has any."""
        return await self.page.locator(f"{PANEL} .msg[data-seq]").evaluate_all(  # type: ignore[attr-defined]
            "nodes => { const withButtons = nodes.filter(n => n.querySelector('button[data-payload]'));"
            " const last = withButtons[withButtons.length - 1];"
            " return last ? [...last.querySelectorAll('button[data-payload]')].map(b => b.dataset.payload) : []; }")

    def payloads(self) -> list[str]:
        return list(self.shown_payloads)

    async def count(self, model: type) -> int:
        from sqlalchemy import func

        async with self.server.channel.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)
