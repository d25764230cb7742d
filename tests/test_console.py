"""The web console's sign-in, sessions and audit log over real HTTP on SQLite and PostgreSQL,
with the sessions in the database or in Redis: one-time links from chat, a confirm page that uses nothing, CSRF and Origin checks, signing out
(everywhere), roles re-read on every request, and each officer's audit log kept to their area."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import subprocess

import pytest
from sqlalchemy import func, select

from bot.pipeline import Pipeline
from db.console_sessions import RedisSessions
from db.engine import create_engine, session_factory
from db.models import ConsoleLink, ConsoleSession, Role
from db.repositories import UserRepository
from db.web_chat import token_hash
from tests.cli_harness import run_cli
from tests.console_harness import LINK, console_server, login_token
from tests.fakes.chat import Chat
from tests.team_helpers import grant, officer
from tests.web_harness import web_settings

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture(params=["database", "redis"])
async def session_store(request):
    """Where the signed-in browsers are kept: the database, or Redis (as with REDIS_URL), under
    a prefix of the test's own."""
    if request.param == "database":
        yield None
        return
    store = RedisSessions(REDIS_URL, prefix=f"cdsbot-test:{secrets.token_hex(4)}:")
    try:
        await store.client.ping()
    except Exception:
        await store.close()
        pytest.skip("no Redis at 127.0.0.1:6379")
    yield store


@pytest.fixture
async def server(pipeline, database_url, tmp_path, clock, session_store):
    async with console_server(pipeline, web_settings(database_url, tmp_path),
                              lambda: clock[0], session_store=session_store) as running:
        yield running


@pytest.fixture
async def browsers(server):
    opened = []

    def browser():
        opened.append(server.browser())
        return opened[-1]
    yield browser
    for each in opened:
        await each.close()


async def test_a_link_from_chat_signs_in_once_and_opening_it_uses_nothing(pipeline, server,
                                                                          browsers, caplog):
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    boss = await officer(pipeline, "dong-thap")
    token = await login_token(boss)
    first, second = browsers(), browsers()
    for _ in range(2):  # a link preview or a mail scanner opens it first: still valid
        await first.get(f"/console/login/{token}")
        assert first.status == 200 and 'name="token"' in first.page
    page = await first.post("/console/login", {"token": token})
    assert first.status == 200 and "Tổng quan" in page and "cán bộ" in page
    assert "Đồng Tháp" in page or "dong-thap" in page
    cookie = next(c for c in first.http.cookie_jar if c.key == "cds_console")
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/console"
    assert not cookie["secure"]  # plain http on loopback; Secure behind an https WEB_PUBLIC_URL
    await second.sign_in(token)
    assert second.status == 410 and "đã được dùng" in second.page
    await first.sign_in(await login_token(boss))  # a new link opened while signed in
    assert first.status == 200 and "Tổng quan" in first.page
    await second.get("/console/")
    assert "Đăng nhập" in second.page and "Tổng quan" not in second.page
    access = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert any('"GET /console/login/…"' in line for line in access)  # the token never logged
    assert not any(token in line for line in access)


async def test_a_session_is_kept_where_configured_and_only_as_its_hash(pipeline, server,
                                                                     browsers, session_store):
    browser = browsers()
    await browser.sign_in(await login_token(await officer(pipeline)))
    cookie = next(c.value for c in browser.http.cookie_jar if c.key == "cds_console")
    async with pipeline.sessions() as session:
        in_database = list((await session.execute(select(ConsoleSession.id_hash))).scalars())
    if session_store is None:
        assert in_database == [token_hash(cookie)]
        return
    assert in_database == []  # with REDIS_URL, in Redis only
    keys = await session_store.client.keys(session_store.prefix + "*")
    kept = session_store.prefix + "session:" + token_hash(cookie)
    assert kept in keys and 0 < await session_store.client.ttl(kept) <= 7 * 24 * 3600
    assert cookie not in str(await session_store.client.hgetall(kept)) + str(keys)


async def test_expired_and_unknown_links_are_refused(pipeline, server, browsers, clock):
    boss = await officer(pipeline)
    token = await login_token(boss)
    clock[0] += dt.timedelta(minutes=10, seconds=1)
    browser = browsers()
    await browser.get(f"/console/login/{token}")
    assert browser.status == 410 and "hết hạn" in browser.page
    await browser.post("/console/login", {"token": token})
    assert browser.status == 410
    await browser.sign_in("x" * 43)
    assert browser.status == 404 and "/dangnhap" in browser.page
    assert not [c for c in browser.http.cookie_jar if c.key == "cds_console"]


async def test_citizens_and_members_get_no_link(pipeline):
    citizen = Chat(pipeline)
    replies = await citizen.send("/dangnhap")
    assert not LINK.search(" ".join(r.text for r in replies))
    async with pipeline.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConsoleLink)) == 0


async def test_a_form_without_its_csrf_token_or_from_another_site_changes_nothing(pipeline,
                                                                                   server,
                                                                                   browsers):
    browser = browsers()
    await browser.sign_in(await login_token(await officer(pipeline)))
    await browser.post("/console/signout", csrf=False)
    assert browser.status == 403 and "hết hạn" in browser.page
    await browser.get("/console/")
    await browser.post("/console/signout", headers={"Origin": "https://evil.example"})
    assert browser.status == 403
    await browser.get("/console/")
    assert browser.status == 200 and "Tổng quan" in browser.page  # still signed in
    await browser.post("/console/signout")
    assert browser.status == 200 and "đã đăng xuất" in browser.page.lower()
    await browser.get("/console/")
    assert "Tổng quan" not in browser.page


async def test_signing_out_everywhere_ends_every_browser(pipeline, server, browsers):
    boss = await officer(pipeline)
    laptop, phone = browsers(), browsers()
    await laptop.sign_in(await login_token(boss))
    await phone.sign_in(await login_token(boss))
    assert "<dd>2</dd>" in phone.page  # two browsers signed in
    await phone.post("/console/signout-everywhere")
    assert phone.status == 200 and "2" in phone.page
    await laptop.get("/console/")
    assert "Tổng quan" not in laptop.page and "/dangnhap" in laptop.page


async def test_a_demoted_officer_is_signed_out_at_once(pipeline, server, browsers):
    boss = await officer(pipeline)
    browser = browsers()
    await browser.sign_in(await login_token(boss))
    await grant(pipeline, boss, Role.CITIZEN)
    await browser.get("/console/")
    assert "Tổng quan" not in browser.page
    await grant(pipeline, boss, Role.OFFICER, "dong-thap")  # the old cookie opens nothing again
    await browser.get("/console/")
    assert "Tổng quan" not in browser.page


async def test_an_idle_session_ends_after_twelve_hours(pipeline, server, browsers, clock):
    browser = browsers()
    await browser.sign_in(await login_token(await officer(pipeline)))
    clock[0] += dt.timedelta(hours=11)
    await browser.get("/console/")
    assert "Tổng quan" in browser.page  # used: the idle time starts again
    clock[0] += dt.timedelta(hours=12, seconds=1)
    await browser.get("/console/")
    assert "Tổng quan" not in browser.page


async def test_each_officer_sees_only_their_provinces_audit_log(pipeline, server, browsers):
    east, west = await officer(pipeline, "dong-thap"), await officer(pipeline, "an-giang")
    admin = Chat(pipeline)
    await grant(pipeline, admin, Role.ADMIN)
    pages = {}
    for name, chat in (("east", east), ("west", west), ("admin", admin)):
        browser = browsers()
        await browser.sign_in(await login_token(chat))
        pages[name] = await browser.get("/console/audit")
    assert "<td>Đồng Tháp</td>" in pages["east"] and "An Giang</td>" not in pages["east"]
    assert "<td>An Giang</td>" in pages["west"] and "Đồng Tháp</td>" not in pages["west"]
    assert "<td>Đồng Tháp</td>" in pages["admin"] and "<td>An Giang</td>" in pages["admin"]
    assert "đăng nhập bảng điều khiển" in pages["east"]


async def test_pages_are_vietnamese_by_default_english_on_request_and_locked_down(server,
                                                                                  browsers):
    browser = browsers()
    async with browser.http.get(server.url + "/console/signin") as response:
        page = await response.text()
        headers = response.headers
    assert '<html lang="vi">' in page and "Đăng nhập" in page
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "same-origin" and headers["Cache-Control"] == "no-store"
    assert "Sign in to the console" in await browser.get("/console/signin?lang=en")
    assert '<html lang="en">' in await browser.get("/console/signin")  # remembered


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("down", ["database", "redis"])
async def test_a_storage_outage_is_a_polite_page_in_the_pages_language(pipeline, database_url,
                                                                       tmp_path, clock, down):
    """The database (or Redis, holding the sessions) stops answering: the console says so in
    Vietnamese or English with a 503, never a bare error."""
    unreachable = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/test")
    served = (Pipeline(pipeline.services, session_factory(unreachable))
              if down == "database" else pipeline)
    store = RedisSessions("redis://127.0.0.1:1/0") if down == "redis" else None
    try:
        async with console_server(served, web_settings(database_url, tmp_path), lambda: clock[0],
                                  session_store=store) as server:
            browser = server.browser()
            try:
                if down == "redis":  # signing in stores the session in Redis
                    token = await login_token(await officer(pipeline))
                    await browser.sign_in(token)
                    assert browser.status == 503 and "thử lại sau ít phút" in browser.page
                    await browser.get(f"/console/login/{token}?lang=en")
                    assert browser.status == 200  # the link was not used up
                    await browser.post("/console/login", {"token": token})
                else:
                    browser.http.cookie_jar.update_cookies({"cds_console": "x" * 43})
                    await browser.get("/console/")
                    assert browser.status == 503 and "thử lại sau ít phút" in browser.page
                    await browser.get("/console/?lang=en")
                assert browser.status == 503 and "try again in a minute" in browser.page
            finally:
                await browser.close()
    finally:
        await unreachable.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the CLI, not the store
def test_an_admin_prints_a_link_from_the_command_line(database_url, tmp_path):
    env = {"DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": "", "ADMIN_IDS": "telegram:42"}

    def cdsbot(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, env=env)
    unknown = cdsbot("console", "login-link", "telegram:42")
    assert unknown.returncode != 0 and "written to the bot first" in unknown.stderr
    import asyncio

    from db.engine import create_engine, session_factory

    async def create() -> None:
        engine = create_engine(database_url)
        async with session_factory(engine)() as session, session.begin():
            await UserRepository(session).identify("telegram", "42", "42")
            await UserRepository(session).identify("telegram", "7", "7")
        await engine.dispose()
    asyncio.run(create())
    printed = cdsbot("console", "login-link", "telegram:42")  # an admin by ADMIN_IDS
    assert printed.returncode == 0, printed.stderr
    assert LINK.search(printed.stdout) and "10 minutes" in printed.stderr
    citizen = cdsbot("console", "login-link", "telegram:7")
    assert citizen.returncode != 0 and "not a team leader" in citizen.stderr
