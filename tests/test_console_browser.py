"""The console in a real browser (Debian's Chromium through Playwright): signing in with the
link /dangnhap sends and out again, a link opened by a preview then used elsewhere, a phone
viewport, a report read (a bar of its chart leads to that day) and downloaded, a team and its
printable invite, a broadcast followed to the end, the questions inbox end to end, refusals
(an expired link, a form without its CSRF token, another province's pages by URL), and
accessibility scans, with the console's strict CSP in force."""

from __future__ import annotations

import pytest

from tests.browser_harness import chromium
from tests.conftest import sqlite_database
from tests.console_harness import console_server, login_token
from tests.team_helpers import officer
from tests.web_harness import web_settings

PHONE = {"width": 360, "height": 640}


@pytest.fixture
def database_url(migrated_sqlite, tmp_path):
    """SQLite only in the browser: what the pages read and write is tested on both stores
    server-side (tests/test_console_*.py); here it is the pages themselves."""
    return sqlite_database(migrated_sqlite, tmp_path)


@pytest.fixture
async def setup(pipeline, database_url, tmp_path, clock):
    async with console_server(pipeline, web_settings(database_url, tmp_path),
                              lambda: clock[0]) as server, chromium() as browser:
        yield server, browser


async def _page(browser, errors: list[str], **options):
    context = await browser.new_context(**options)
    page = await context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return page


async def test_an_officer_signs_in_with_the_link_and_out_again(pipeline, setup):
    server, browser = setup
    errors: list[str] = []
    token = await login_token(await officer(pipeline, "dong-thap"))
    page = await _page(browser, errors)
    await page.goto(f"{server.url}/console/login/{token}")
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.get_by_role("heading", name="Tổng quan").wait_for()
    assert "cán bộ" in await page.locator(".facts").inner_text()
    cookie = next(c for c in await page.context.cookies() if c["name"] == "cds_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    await page.get_by_role("link", name="Nhật ký hoạt động").click()
    assert "đăng nhập bảng điều khiển" in await page.locator("table").inner_text()
    await page.get_by_role("button", name="Đăng xuất", exact=True).click()
    await page.get_by_text("Bạn đã đăng xuất.").wait_for()
    await page.goto(f"{server.url}/console/")
    await page.get_by_role("heading", name="Đăng nhập bảng điều khiển").wait_for()
    assert errors == []  # the stylesheet loads under the CSP; nothing is refused


async def test_a_link_a_preview_opened_still_signs_in_once(pipeline, setup):
    server, browser = setup
    errors: list[str] = []
    token = await login_token(await officer(pipeline))
    preview, mine = await _page(browser, errors), await _page(browser, errors)
    await preview.goto(f"{server.url}/console/login/{token}")  # a chat app's link preview
    await mine.goto(f"{server.url}/console/login/{token}")
    await mine.get_by_role("button", name="Đăng nhập").click()
    await mine.get_by_role("heading", name="Tổng quan").wait_for()
    await preview.get_by_role("button", name="Đăng nhập").click()  # the same link, again
    await preview.get_by_text("đã được dùng").wait_for()


async def test_the_console_on_a_phone_has_no_serious_accessibility_violations(pipeline, setup):
    from axe_playwright_python.async_playwright import Axe

    server, browser = setup
    errors: list[str] = []
    page = await _page(browser, errors, viewport=PHONE)
    await page.goto(f"{server.url}/console/signin")
    pages = [await Axe().run(page)]
    await page.goto(f"{server.url}/console/login/{await login_token(await officer(pipeline))}")
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.get_by_role("heading", name="Tổng quan").wait_for()
    pages.append(await Axe().run(page))
    await page.goto(f"{server.url}/console/audit")
    pages.append(await Axe().run(page))
    serious = [(v["id"], v["help"]) for result in pages for v in result.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == []
    await log_a_long_question(pipeline)
    wider = {}
    for path in ("/console/audit", "/console/inbox", "/console/content/faq/new",
                 "/console/content/contests/new", "/console/content/events/new",
                 "/console/reports", "/console/broadcasts/new", "/console/teams/new"):
        await page.goto(server.url + path)
        width = await page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wider[path] = width
    assert wider == {}  # no page wider than the phone: nothing to scroll sideways


async def log_a_long_question(pipeline) -> None:
    """A refused question of Đồng Tháp, long as people write them, for the inbox to show."""
    from db.repositories import QuestionLogRepository

    text = ("Tổ công nghệ số cộng đồng có phát máy tính bảng miễn phí cho hộ nghèo ở xã Bình "
            "Ninh không, nếu có thì đăng ký ở đâu và cần mang theo giấy tờ gì ạ")
    async with pipeline.sessions() as session, session.begin():
        await QuestionLogRepository(session).add(
            user_id=None, channel="zalo", province="dong-thap", text=text,
            normalized_text=text.lower(), faq_id=None, score=0.3, matched=False)


async def test_an_officer_reads_a_report_and_downloads_it(pipeline, setup):
    from axe_playwright_python.async_playwright import Axe

    from tests.test_reports import seed

    server, browser = setup
    await seed(pipeline.sessions, pipeline.services.content.services)
    errors: list[str] = []
    page = await _page(browser, errors)
    await page.goto(f"{server.url}/console/login/{await login_token(await officer(pipeline))}")
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.get_by_role("link", name="Báo cáo").click()
    await page.get_by_label("Từ ngày").fill("2024-10-01")
    await page.get_by_label("Đến ngày").fill("2024-10-05")
    await page.get_by_role("button", name="Xem").click()
    await page.get_by_role("cell", name="Tổ Mỹ Phong").wait_for()
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Tải Excel (XLSX)").click()
    assert (await download.value).suggested_filename == "bao-cao-2024-10-01-2024-10-05.xlsx"
    png = await page.request.get(server.url + await page.get_by_role(
        "link", name="Tải biểu đồ (PNG)").get_attribute("href"))
    assert png.ok and (await png.body()).startswith(b"\x89PNG")
    scans = [await Axe().run(page)]
    bars = page.locator(".day-chart a")
    assert await bars.count() == 3  # the days with visits in Đồng Tháp: 1, 2 and 3 October
    await page.get_by_role("link", name="3/10/2024: 1 lượt ghi nhận").click()  # a bar
    await page.wait_for_url("**/console/reports?from=2024-10-03&to=2024-10-03")
    assert await page.get_by_label("Từ ngày").input_value() == "2024-10-03"
    assert await page.get_by_label("Đến ngày").input_value() == "2024-10-03"
    days = page.locator("table").first.locator("tbody tr")
    assert await days.count() == 1 and "3/10/2024" in await days.inner_text()
    scans.append(await Axe().run(page))
    assert [v["id"] for result in scans for v in result.response["violations"]
            if v["impact"] in ("serious", "critical")] == []
    assert errors == []


async def test_an_officer_creates_a_team_on_a_phone_and_prints_its_invite(pipeline, setup):
    from axe_playwright_python.async_playwright import Axe

    server, browser = setup
    server.console.settings = server.console.settings.model_copy(
        update={"zalo_oa_url": "https://zalo.me/1234567890123456789"})
    errors: list[str] = []
    page = await _page(browser, errors, viewport=PHONE)
    await page.goto(f"{server.url}/console/login/{await login_token(await officer(pipeline))}")
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.get_by_role("link", name="Tổ CNSCĐ", exact=True).click()
    await page.get_by_role("link", name="Tạo tổ mới").click()
    await page.get_by_label("Tên tổ").fill("Tổ CNSCĐ phường Mỹ Phong")
    await page.get_by_label("Xã, phường của tổ").select_option(label="Phường Mỹ Phong")
    await page.get_by_role("button", name="Tạo tổ").click()
    await page.get_by_role("heading", name="Tổ CNSCĐ phường Mỹ Phong").wait_for()
    scans = [await Axe().run(page)]
    await page.get_by_role("button", name="Tạo mã mời mới").click()
    qr = page.get_by_role("img", name="Mã QR cho Zalo")
    drawn = await qr.evaluate("img => img.complete ? img.naturalWidth"
                              " : new Promise(done => { img.onload = () => done(img.naturalWidth); })")
    assert drawn > 0  # the SVG data URI is allowed by the CSP and draws
    assert "/thamgia" in await page.locator(".invite").inner_text()
    scans.append(await Axe().run(page))
    assert [v["id"] for result in scans for v in result.response["violations"]
            if v["impact"] in ("serious", "critical")] == []
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []


async def test_an_officer_composes_a_broadcast_and_follows_it_to_the_end(pipeline, database_url,
                                                                         tmp_path, clock):
    """Composed in the console, sent by the real worker through the fake Telegram Bot API; the
    page follows the progress by itself (progress.js polling) until it is finished."""
    import asyncio
    from dataclasses import replace

    from axe_playwright_python.async_playwright import Axe

    from bot.broadcast import run_worker
    from db.broadcasts.audience import DEFAULT_RULES
    from tests.broadcast_helpers import add_people, telegram_settings
    from tests.fakes.telegram_api import FakeTelegramAPI

    chats = await add_people(pipeline.sessions, 12, province="dong-thap")
    services = replace(pipeline.services, broadcast_rules=DEFAULT_RULES)  # as with a bot token
    async with console_server(pipeline, web_settings(database_url, tmp_path), lambda: clock[0],
                              services) as server, chromium() as browser, \
            FakeTelegramAPI() as telegram:
        errors: list[str] = []
        page = await _page(browser, errors)
        polls: list[str] = []
        page.on("request", lambda r: polls.append(r.url) if r.url.endswith("/progress") else None)
        await page.goto(f"{server.url}/console/login/{await login_token(await officer(pipeline))}")
        await page.get_by_role("button", name="Đăng nhập").click()
        await page.get_by_role("link", name="Thông báo", exact=True).click()
        await page.get_by_role("link", name="Soạn thông báo mới").click()
        scans = [await Axe().run(page)]
        await page.get_by_label("Nội dung", exact=False).first.fill("**Ngày Chuyển đổi số** 10/10!")
        await page.get_by_label("Tất cả người đăng ký").check()
        await page.get_by_role("button", name="Xem trước").click()
        await page.get_by_text("tổng cộng 12 người").wait_for()
        scans.append(await Axe().run(page))
        await page.get_by_role("button", name="Gửi ngay").click()
        await page.get_by_role("heading", name="Thông báo #1").wait_for()
        assert await page.locator('[data-field="state_label"]').inner_text() == "đang gửi"
        stop = asyncio.Event()
        # slow enough that the page sees it sending: 12 messages at 4 a second
        settings = telegram_settings(database_url, telegram.base_url, broadcast_telegram_rate=4)
        worker = asyncio.create_task(run_worker(settings, stop_event=stop,
                                                sessions=pipeline.sessions))
        try:
            await page.locator('[data-field="state_label"]', has_text="đã gửi xong").wait_for(
                timeout=60_000)
        finally:
            stop.set()
            await worker
        assert await page.locator('[data-field="sent"]').inner_text() == "12"
        assert sorted(str(r.chat_id) for r in telegram.sent) == sorted(chats)
        assert polls  # the page asked for the progress by itself
        scans.append(await Axe().run(page))
        assert [v["id"] for result in scans for v in result.response["violations"]
                if v["impact"] in ("serious", "critical")] == []
        assert errors == []


async def test_a_question_the_bot_refused_is_added_in_the_inbox_and_answered_after(
        services, pipeline, database_url, tmp_path, clock):
    """The inbox end to end: a citizen's question the bot refused appears as a group; the
    officer adds it to the entry the inbox offers; the same question is then answered here at
    once and by another process (`cdsbot ask`)."""
    import dataclasses

    from axe_playwright_python.async_playwright import Axe

    from bot.pipeline import Pipeline
    from tests.test_console_inbox import ASKED, asked_in_another_process, citizen_of, last_logged

    shown = ASKED.removesuffix(" ko")  # the group shows it folded: "… hay khong"

    own = Pipeline(dataclasses.replace(services), pipeline.sessions, clock=lambda: clock[0])
    citizen = await citizen_of(own, "dong-thap")
    await citizen.send(ASKED)
    assert await last_logged(own) == (False, None)
    async with console_server(own, web_settings(database_url, tmp_path),
                              lambda: clock[0]) as server, chromium() as browser:
        errors: list[str] = []
        page = await _page(browser, errors)
        await page.goto(f"{server.url}/console/login/{await login_token(await officer(own))}")
        await page.get_by_role("button", name="Đăng nhập").click()
        await page.get_by_role("link", name="Câu hỏi", exact=True).click()
        group = page.get_by_role("row").filter(has_text=shown)
        await group.get_by_label("Mục hỏi đáp").select_option("tg-event-10-10")
        scans = [await Axe().run(page)]
        await group.get_by_role("button", name="Thêm", exact=True).click()
        await page.get_by_role("heading", name="Đã thêm câu hỏi").wait_for()
        answered = await page.get_by_role("row").filter(has_text=shown).inner_text()
        assert "(tg-event-10-10)" in answered  # how the bot answers it now
        scans.append(await Axe().run(page))
        await page.get_by_role("link", name="Câu hỏi", exact=True).click()
        await page.get_by_role("heading", name="Hộp câu hỏi").wait_for()
        assert await page.get_by_role("row").filter(has_text=shown).count() == 0  # handled
        assert [v["id"] for result in scans for v in result.response["violations"]
                if v["impact"] in ("serious", "critical")] == []
        assert errors == []
    await citizen.send(ASKED)  # this worker: at once
    assert await last_logged(own) == (True, "tg-event-10-10")
    answer = await asked_in_another_process(database_url, tmp_path, ASKED)
    assert answer["faq_id"] == "tg-event-10-10"  # another one


async def test_stale_links_forms_without_their_token_and_another_provinces_pages_are_refused(
        pipeline, setup, clock):
    """An expired link; a form posted without its CSRF token; a Đồng Tháp officer opening An
    Giang's broadcast, team and questions by URL: refused, and nothing changes."""
    import datetime as dt

    from sqlalchemy import func, select

    from content.places import admin_units
    from db.models import Broadcast, InviteCode
    from db.teams import TeamRepository
    from tests.test_console_inbox import citizen_of

    server, browser = setup
    async with pipeline.sessions() as session, session.begin():
        commune = next(c.code for c in admin_units().communes.values()
                       if c.province == "an-giang")
        team = await TeamRepository(session).create(name="Tổ An Giang", province="an-giang",
                                                    communes=[commune])
        broadcast = Broadcast(text="Thông báo của An Giang", audience=["all"], state="done",
                              province="an-giang")
        session.add(broadcast)
    their_question = "o an giang co chuong trinh gi hay khong"
    await (await citizen_of(pipeline, "an-giang")).send(their_question)
    boss = await officer(pipeline, "dong-thap")
    errors: list[str] = []
    page = await _page(browser, errors)
    stale = await login_token(boss)
    clock[0] += dt.timedelta(minutes=11)  # links last 10
    refused = await page.goto(f"{server.url}/console/login/{stale}")
    assert refused.status == 410  # the confirm page already says so, with no button
    await page.get_by_text("Liên kết đăng nhập này đã hết hạn").wait_for()
    await page.goto(f"{server.url}/console/login/{await login_token(boss)}")
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.get_by_role("heading", name="Tổng quan").wait_for()
    forged = await page.request.post(f"{server.url}/console/signout-everywhere", form={})
    assert forged.status == 403 and "Biểu mẫu này đã hết hạn" in await forged.text()
    for path in (f"/console/broadcasts/{broadcast.id}", f"/console/teams/{team.id}"):
        opened = await page.goto(server.url + path)
        assert opened.status == 403, path
        await page.get_by_role("heading", name="Không được phép").wait_for()
        assert "Bạn không có quyền mở trang này." in await page.locator(".message").inner_text()
    await page.goto(f"{server.url}/console/inbox?province=an-giang")
    assert their_question not in await page.locator("main").inner_text()
    await page.goto(f"{server.url}/console/")  # still signed in: the forged form ended nothing
    await page.get_by_role("heading", name="Tổng quan").wait_for()
    async with pipeline.sessions() as session:
        assert (await session.get(Broadcast, broadcast.id)).state == "done"
        assert (await session.execute(select(func.count()).select_from(InviteCode))
                ).scalar_one() == 0
