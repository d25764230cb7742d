"""Announcements in the console on both stores: compose with a preview that creates nothing,
the officer's area added whatever the form says, one broadcast however often the form is sent,
polite refusals that lose what was typed, another province's broadcast refused by URL and form,
a colleague of the same province managing it, live progress as JSON, and retrying the failed
deliveries only, sent by the real worker through the fake Telegram Bot API."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.broadcast import run_worker
from db.broadcasts.audience import DEFAULT_RULES
from db.models import AuditEntry, Broadcast, Delivery
from tests.broadcast_helpers import add_people, telegram_settings
from tests.console_harness import console_server
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.team_helpers import officer
from tests.web_harness import web_settings

TEXT = "**Vòng 2** cuộc thi Chuyển đổi số bắt đầu!"
KEY = re.compile(r'name="key" value="([^"]+)"')


@pytest.fixture
async def server(pipeline, database_url, tmp_path, clock):
    # Telegram's rules, as with a bot token (the tests' services have the local channels only)
    services = replace(pipeline.services, broadcast_rules=DEFAULT_RULES)
    async with console_server(pipeline, web_settings(database_url, tmp_path),
                              lambda: clock[0], services) as running:
        yield running


async def _broadcasts(pipeline) -> list[Broadcast]:
    async with pipeline.sessions() as session:
        return list((await session.execute(select(Broadcast).order_by(Broadcast.id))).scalars())


async def _compose(browser, **fields: str | list[str]) -> str:
    await browser.get("/console/broadcasts/new")
    form: dict[str, str | list[str]] = {"text": TEXT, "groups": "all", "when": "now", **fields}
    async with browser.http.post(browser.url + "/console/broadcasts/preview",
                                 data=_pairs(form, browser)) as response:
        browser.status, browser.page = response.status, await response.text()
    return browser.page


def _pairs(form: dict[str, str | list[str]], browser) -> list[tuple[str, str]]:
    csrf = re.search(r'name="csrf" value="([^"]+)"', browser.page)
    assert csrf, browser.page
    pairs = [("csrf", csrf[1])]
    for name, value in form.items():
        pairs += [(name, v) for v in (value if isinstance(value, list) else [value])]
    return pairs


async def _send(browser, page: str, **extra: str) -> str:
    """Press Send on a preview: the hidden fields as the page holds them."""
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    fields.update(action="send", **extra)
    async with browser.http.post(browser.url + "/console/broadcasts/create",
                                 data=fields) as response:
        browser.status, browser.page = response.status, await response.text()
    return browser.page


async def test_the_preview_shows_the_reach_in_the_area_and_sending_twice_creates_one(
        pipeline, signed_in):
    await add_people(pipeline.sessions, 3, province="dong-thap", first_chat=100)
    await add_people(pipeline.sessions, 2, province="nghe-an", first_chat=200)
    browser = await signed_in(await officer(pipeline, "dong-thap"))
    page = await _compose(browser, province="nghe-an")  # an officer cannot choose elsewhere
    assert browser.status == 200
    assert "Telegram: <strong>3</strong>" in page
    assert '<p class="message-text"><b>Vòng 2</b> cuộc thi' in page  # bold, as Telegram shows it
    assert await _broadcasts(pipeline) == []  # a preview creates nothing
    await _send(browser, page)
    assert browser.status == 200 and "Thông báo #" in browser.page
    await _send(browser, page)  # the same form again: a double click, a resent page
    [broadcast] = await _broadcasts(pipeline)
    assert (broadcast.total, broadcast.province, broadcast.state) == (3, "dong-thap", "sending")
    assert f"Thông báo #{broadcast.id}" in browser.page
    async with pipeline.sessions() as session:
        audited = await session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "broadcast_created"))
    assert audited == 1


async def test_what_cannot_be_sent_is_refused_politely_keeping_what_was_typed(pipeline,
                                                                             signed_in):
    await add_people(pipeline.sessions, 1, province="dong-thap")
    browser = await signed_in(await officer(pipeline, "dong-thap"))
    page = await _compose(browser, text="", groups=[])
    assert browser.status == 400 and "Hãy viết nội dung" in page and "ít nhất một nhóm" in page
    page = await _compose(browser, when="later", at="2020-01-01T08:00",
                          link_label="Xem thể lệ", link_url="javascript:alert(1)")
    assert browser.status == 400 and "trong tương lai" in page and "Nút liên kết" in page
    assert "Vòng 2" in page and 'value="Xem thể lệ"' in page  # nothing typed is lost
    page = await _compose(browser, groups="role:leader")  # nobody in dong-thap leads a team
    assert browser.status == 200 and "Không có ai" in page and 'value="send"' not in page
    assert await _broadcasts(pipeline) == []


async def test_a_scheduled_announcement_waits_for_its_time(pipeline, signed_in, clock):
    await add_people(pipeline.sessions, 2, province="dong-thap")
    browser = await signed_in(await officer(pipeline, "dong-thap"))
    page = await _compose(browser, when="later", at="2024-10-09T08:00")  # the clock: 5/10/2024
    assert browser.status == 200 and "9/10/2024" in page
    await _send(browser, page)
    [broadcast] = await _broadcasts(pipeline)
    assert broadcast.state == "scheduled" and "9/10/2024" in browser.page


async def test_another_provinces_broadcast_is_refused_and_a_colleague_may_manage_it(
        pipeline, signed_in):
    await add_people(pipeline.sessions, 2, province="dong-thap")
    sender = await signed_in(await officer(pipeline, "dong-thap"))
    await _send(sender, await _compose(sender))
    [broadcast] = await _broadcasts(pipeline)
    stranger = await signed_in(await officer(pipeline, "nghe-an"))
    await stranger.get(f"/console/broadcasts/{broadcast.id}")
    assert stranger.status == 403
    assert f"#{broadcast.id}" not in await stranger.get("/console/broadcasts")
    await stranger.post(f"/console/broadcasts/{broadcast.id}/cancel", {"confirm": "yes"})
    assert stranger.status == 403
    await stranger.get(f"/console/broadcasts/{broadcast.id}/failures.csv")
    assert stranger.status == 403
    assert (await _broadcasts(pipeline))[0].state == "sending"  # nothing changed
    colleague = await signed_in(await officer(pipeline, "dong-thap"))
    await colleague.get(f"/console/broadcasts/{broadcast.id}")
    page = await colleague.post(f"/console/broadcasts/{broadcast.id}/pause")
    assert colleague.status == 200 and 'data-field="state_label">tạm dừng<' in page
    assert (await _broadcasts(pipeline))[0].state == "paused"
    async with colleague.http.get(
            f"{colleague.url}/console/broadcasts/{broadcast.id}/progress") as response:
        figures = await response.json()
    assert figures["state"] == "paused" and figures["pending"] == "2" and figures["total"] == "2"
    assert "Đã tạm dừng" in page  # said once, on the page it returns to
    page = await colleague.post(f"/console/broadcasts/{broadcast.id}/cancel")
    assert "Dừng gửi thông báo" in page and "2 người" in page  # asked first: nothing yet
    assert (await _broadcasts(pipeline))[0].state == "paused"
    page = await colleague.post(f"/console/broadcasts/{broadcast.id}/cancel", {"confirm": "yes"})
    assert (await _broadcasts(pipeline))[0].state == "cancelled" and "Đã dừng" in page
    assert "Tốc độ" not in page and "failures.csv" not in page  # over, and nothing failed


async def test_retry_sends_again_to_the_failed_only(pipeline, signed_in, database_url):
    chats = await add_people(pipeline.sessions, 6, province="dong-thap")
    browser = await signed_in(await officer(pipeline, "dong-thap"))
    async with FakeTelegramAPI() as telegram:
        for chat in chats[1:3]:
            telegram.fail_chat(int(chat))
        telegram.block_user(int(chats[0]))
        await _send(browser, await _compose(browser))
        [broadcast] = await _broadcasts(pipeline)
        settings = telegram_settings(database_url, telegram.base_url,
                                     broadcast_telegram_rate=1000)
        await run_worker(settings, until_idle=True, sessions=pipeline.sessions)
        page = await browser.get(f"/console/broadcasts/{broadcast.id}")
        assert "Chỉ gửi lại các tin lỗi" in page
        assert re.search(r'data-field="failed">2<', page) and re.search(
            r'data-field="blocked">1<', page)
        async with browser.http.get(
                f"{browser.url}/console/broadcasts/{broadcast.id}/failures.csv") as response:
            failures = (await response.read()).decode("utf-8-sig")
        assert failures.splitlines()[0].startswith("Mã tin,Kênh,")  # as officers read it
        assert failures.count(",gửi lỗi,") == 2 and failures.count(",đã chặn chatbot,") == 1
        received_before = sorted(str(r.chat_id) for r in telegram.sent)
        telegram.failing_chats.clear()  # Telegram knows those chats again
        await browser.post(f"/console/broadcasts/{broadcast.id}/retry")
        await run_worker(settings, until_idle=True, sessions=pipeline.sessions)
        received = sorted(str(r.chat_id) for r in telegram.sent)
    assert len(received_before) == 3 and len(received) == 5  # the two failed, nobody else
    assert sorted(set(received)) == received and chats[0] not in received
    async with pipeline.sessions() as session:
        states = dict((await session.execute(
            select(Delivery.state, func.count()).where(Delivery.broadcast_id == broadcast.id)
            .group_by(Delivery.state))).all())
    assert states == {"sent": 5, "blocked": 1}


async def test_the_message_shows_its_bold_but_never_the_officers_html(pipeline, signed_in):
    await add_people(pipeline.sessions, 1, province="dong-thap")
    browser = await signed_in(await officer(pipeline, "dong-thap"))
    page = await _compose(browser, text="**Hạn chót** <script>alert(1)</script> & __nhớ__")
    assert ('<b>Hạn chót</b> &lt;script&gt;alert(1)&lt;/script&gt; &amp; <i>nhớ</i>'
            in page) and "<script>alert" not in page
