"""The web chat widget in a real browser (Debian's Chromium through Playwright), embedded in a
fake portal on a second origin with a strict CSP: the whole conversation, reloads, network
loss, two tabs, refusals, the keyboard, a phone, an accessibility scan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.pipeline import Pipeline
from bot.platforms.web import WebPlatform
from db.broadcasts.formatting import BroadcastMessage
from db.engine import create_engine, is_sqlite, session_factory
from db.models import WebVisitor
from handlers.messages import Attachment, Reply
from tests.browser_harness import PANEL, WidgetDriver, chromium, portal
from tests.conftest import FIXED_NOW
from tests.test_conversations import run_conversation
from tests.web_harness import WebServer, free_port, store_replies, web_server, web_settings

PHONE = {"width": 360, "height": 640}
PNG_1X1 = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
           b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
           b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


@dataclass
class Setup:
    server: WebServer
    portal_url: str
    browser: object
    errors: list[str]

    async def page(self, url: str | None = None, **context_options: object):
        context = await self.browser.new_context(**context_options)  # type: ignore[attr-defined]
        page = await context.new_page()
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        await page.goto(url or self.portal_url)
        await page.locator(f"{PANEL} .launcher").wait_for()
        return page

    def driver(self, page: object) -> WidgetDriver:
        return WidgetDriver(page, self.server, self.errors)


@asynccontextmanager
async def embedded(services, database_url: str, tmp_path: Path,
                   **settings: object) -> AsyncIterator[Setup]:
    engine = create_engine(database_url)
    pipeline = Pipeline(services, session_factory(engine), clock=lambda: FIXED_NOW,
                        serialize_writes=is_sqlite(database_url))
    portal_port = free_port()
    origin = f"http://localhost:{portal_port}"
    try:
        async with web_server(pipeline, web_settings(database_url, tmp_path, **settings),
                              origins=(origin,)) as server, \
                portal(server.url, port=portal_port) as portal_url, chromium() as browser:
            yield Setup(server, portal_url, browser, [])
    finally:
        await engine.dispose()


@pytest.fixture
async def setup(services, database_url, tmp_path):
    async with embedded(services, database_url, tmp_path) as ready:
        yield ready


@pytest.fixture
def sqlite_url(migrated_sqlite, tmp_path):
    from tests.conftest import sqlite_database

    return sqlite_database(migrated_sqlite, tmp_path)


@pytest.fixture
async def lite(services, sqlite_url, tmp_path):
    """The same on SQLite only, for what does not depend on the store."""
    async with embedded(services, sqlite_url, tmp_path) as ready:
        yield ready


async def shown(page) -> list[tuple[str, str]]:
    """(kind, text) of every bubble the panel shows, in order."""
    return await page.locator(f"{PANEL} .msg").evaluate_all(
        "nodes => nodes.map(n => [n.className.replace('msg ', ''), n.querySelector('p') ? "
        "n.querySelector('p').textContent : ''])")


async def test_the_whole_conversation_in_the_browser(setup: Setup):
    page = await setup.page()
    await run_conversation(setup.driver(page))
    assert setup.errors == []  # no CSP violation, no script error


async def test_after_a_reload_the_history_is_back(lite: Setup):
    page = await lite.page()
    driver = lite.driver(page)
    await driver.open()
    assert "10 tháng 10" in await driver.say("ngay chuyen doi so la ngay nao")
    before = await shown(page)
    await page.reload()
    await page.locator(f"{PANEL} .launcher").click()
    await driver.settle_shown()
    assert await shown(page) == before


async def test_messages_sent_offline_arrive_once_and_in_order(lite: Setup):
    page = await lite.page()
    driver = lite.driver(page)
    await driver.open()
    await page.context.set_offline(True)
    box = page.locator(f"{PANEL} textarea")
    for text in ("cuoc thi", "su kien", "khuyen mai"):
        await box.fill(text)
        await box.press("Enter")
    await page.locator(f"{PANEL} .status").filter(has_text="mất kết nối").wait_for()
    await page.context.set_offline(False)
    await driver.settle()
    mine = [text for kind, text in await shown(page) if kind == "user"]
    assert mine == ["cuoc thi", "su kien", "khuyen mai"]
    seqs = await page.locator(f"{PANEL} .msg[data-seq]").evaluate_all(
        "nodes => nodes.map(n => Number(n.dataset.seq))")
    assert seqs == sorted(set(seqs))  # every event once, in order


async def test_two_tabs_stay_in_step(lite: Setup):
    first = await lite.page()
    driver = lite.driver(first)
    await driver.open()
    second = await first.context.new_page()
    await second.goto(lite.portal_url)
    await second.locator(f"{PANEL} .launcher").click()
    await driver.say("/menu")
    last = await driver.last_seq()
    await second.locator(f'{PANEL} .msg[data-seq="{last}"]').wait_for(state="attached")
    assert await shown(second) == await shown(first)
    await second.locator(f"{PANEL} .fresh").click()  # a new conversation in one tab
    await first.locator(f"{PANEL} .msg[data-seq]").first.wait_for(state="detached")
    assert await shown(first) == [] == await shown(second)


async def test_a_page_on_an_origin_the_key_was_not_made_for_gets_no_widget(lite: Setup):
    async with portal(lite.server.url) as other:  # a page on another origin copies the tag
        context = await lite.browser.new_context()  # type: ignore[attr-defined]
        page = await context.new_page()
        refused = asyncio.get_running_loop().create_future()
        page.on("console", lambda m: refused.done() or ("CDS chat" in m.text and refused.set_result(m.text)))
        await page.goto(other)
        assert "allowed for site key" in await asyncio.wait_for(refused, 30)
        assert await page.locator(f"{PANEL} .launcher").count() == 0
    async with lite.server.channel.sessions() as session:
        assert (await session.execute(select(WebVisitor))).first() is None


async def test_over_the_limit_the_widget_says_please_wait(services, sqlite_url, tmp_path):
    async with embedded(services, sqlite_url, tmp_path, web_ip_max_requests=4,
                        web_rate_window_seconds=3) as ready:
        page = await ready.page()  # hello: 1
        driver = ready.driver(page)
        await page.locator(f"{PANEL} .launcher").click()  # session, stream: 3
        box = page.locator(f"{PANEL} textarea")
        for text in ("mot", "hai"):
            await box.fill(text)
            await box.press("Enter")
        await page.locator(f"{PANEL} .status").filter(has_text="Vui lòng chờ").wait_for()
        await driver.settle()  # then sent, once the wait is over
        mine = [text for kind, text in await shown(page) if kind == "user"]
        assert mine == ["mot", "hai"]


async def test_keyboard_only(lite: Setup):
    page = await lite.page()
    for _ in range(3):  # the page's own link, then the launcher
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.hasAttribute('data-cdsbot')"):
            break
    launcher = page.locator(f"{PANEL} .launcher")
    assert await launcher.evaluate("b => b.getRootNode().activeElement === b")
    await page.keyboard.press("Enter")
    assert await launcher.get_attribute("aria-expanded") == "true"
    textarea = page.locator(f"{PANEL} textarea")
    assert await textarea.evaluate("t => t.getRootNode().activeElement === t")
    await page.keyboard.type("/menu")
    await page.keyboard.press("Enter")
    driver = lite.driver(page)
    await driver.settle()
    await page.keyboard.press("Escape")
    assert await launcher.get_attribute("aria-expanded") == "false"
    assert await page.locator(f"{PANEL} .panel").is_hidden()
    assert await launcher.evaluate("b => b.getRootNode().activeElement === b")  # focus returned


async def test_on_a_phone_the_panel_fills_the_screen_and_inputs_do_not_zoom(lite: Setup):
    page = await lite.page(viewport=PHONE, is_mobile=True, has_touch=True)
    await page.locator(f"{PANEL} .launcher").tap()
    panel = await page.locator(f"{PANEL} .panel").bounding_box()
    assert panel is not None and panel["width"] == PHONE["width"]
    assert abs(panel["height"] - PHONE["height"]) <= 1
    size = await page.locator(f"{PANEL} textarea").evaluate("t => parseFloat(getComputedStyle(t).fontSize)")
    assert size >= 16
    send = await page.locator(f"{PANEL} .send").bounding_box()
    assert send is not None and send["y"] + send["height"] <= PHONE["height"]


async def test_an_announcement_while_the_panel_is_closed_shows_the_badge(lite: Setup):
    page = await lite.page()
    driver = lite.driver(page)
    await driver.open()
    await page.keyboard.press("Escape")
    async with lite.server.channel.sessions() as session:
        visitor_id = (await session.execute(select(WebVisitor.id))).scalar_one()
    platform = WebPlatform(lite.server.channel.sessions, lite.server.channel.hub)
    outcome = await platform.deliver(visitor_id, BroadcastMessage("Cuộc thi mở vòng 2!"))
    assert outcome.kind == "sent"
    badge = page.locator(f"{PANEL} .badge")
    await badge.filter(has_text="1").wait_for()
    assert "1 tin mới" in await page.locator(f"{PANEL} .launcher").get_attribute("aria-label")
    await page.locator(f"{PANEL} .launcher").click()
    assert await badge.is_hidden()
    notice = page.locator(f"{PANEL} .msg.notice")
    assert "Cuộc thi mở vòng 2!" in await notice.inner_text()


async def test_no_serious_accessibility_violations(lite: Setup):
    from axe_playwright_python.async_playwright import Axe

    page = await lite.page()
    await lite.driver(page).open()
    await lite.driver(page).say("/menu")
    results = await Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], [(v["id"], v["help"]) for v in serious]


async def test_text_from_messages_is_never_html(lite: Setup):
    page = await lite.page()
    driver = lite.driver(page)
    await driver.open()
    await driver.say('<img src=x onerror="window.pwned=1"><b>đậm</b>')
    assert await page.evaluate("window.pwned") is None
    assert await page.locator(f"{PANEL} .msg.user b").count() == 0
    assert '<b>đậm</b>' in [text for kind, text in await shown(page) if kind == "user"][-1]


async def test_a_report_downloads_and_a_chart_shows(lite: Setup, tmp_path):
    page = await lite.page()
    await lite.driver(page).open()
    reports = tmp_path / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "bao-cao.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    chart = reports / "bieu-do.png"
    chart.write_bytes(PNG_1X1)
    async with lite.server.channel.sessions() as session:
        visitor_id = (await session.execute(select(WebVisitor.id))).scalar_one()
    await store_replies(lite.server.channel, visitor_id, [
        Reply("Báo cáo tháng", attachment=Attachment("document", reports / "bao-cao.xlsx",
                                                      "bao-cao.xlsx")),
        Reply("Biểu đồ", attachment=Attachment("image", chart, "bieu-do.png", "Lượt theo ngày"))],
        "report.0")
    image = page.locator(f'{PANEL} img[alt="Lượt theo ngày"]')
    await image.wait_for()
    await page.wait_for_function(
        "() => { const i = document.querySelector('[data-cdsbot]').shadowRoot"
        ".querySelector('img[alt=\"Lượt theo ngày\"]'); return i && i.complete && i.naturalWidth > 0; }")
    link = page.locator(f"{PANEL} .file a").filter(has_text="bao-cao.xlsx")
    assert await link.get_attribute("target") == "_blank"
    async with page.expect_download() as downloading:
        await link.click()
    download = await downloading.value
    assert download.suggested_filename == "bao-cao.xlsx"
    saved = await download.path()
    assert (await asyncio.to_thread(Path(saved).read_bytes)).startswith(b"PK")


async def test_an_english_page_gets_the_widget_and_the_bot_in_english(lite: Setup):
    page = await lite.page(lite.portal_url + "/?lang=en")
    launcher = page.locator(f"{PANEL} .launcher")
    assert await launcher.get_attribute("aria-label") == "Open the chat"
    greeting = await lite.driver(page).open()
    assert "Hello! I am the assistant for National Digital Transformation Day" in greeting
    assert await page.locator(f"{PANEL} .send").inner_text() == "Send"


async def test_switching_language_in_the_chat_switches_the_widget_too(lite: Setup):
    page = await lite.page()
    driver = lite.driver(page)
    await driver.open()
    assert await page.locator(f"{PANEL} .send").inner_text() == "Gửi"
    await driver.say("/lang en")
    await page.locator(f"{PANEL} .send").filter(has_text="Send").wait_for()
    await page.reload()  # the choice is kept
    assert await page.locator(f"{PANEL} .launcher").get_attribute("aria-label") == "Open the chat"
