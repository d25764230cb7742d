"""/thongbao: composing a broadcast in chat, through the real pipeline on SQLite and PostgreSQL
(the clock is 05/10/2024 09:00, Vietnam time). Sending itself is the worker's (test_broadcast_*)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.pipeline import Pipeline
from db.broadcasts.audience import DEFAULT_RULES
from db.models import Broadcast, Delivery, Role
from tests.fakes.chat import Chat
from tests.team_helpers import grant, officer, subscriber


@pytest.fixture
def pipeline(pipeline: Pipeline) -> Pipeline:
    """As configured with Telegram and Zalo (the test settings have no tokens)."""
    return Pipeline(replace(pipeline.services, broadcast_rules=DEFAULT_RULES), pipeline.sessions,
                    clock=pipeline.clock)


async def compose(boss: Chat, text: str = "**Cuộc thi** mở vòng 2 từ mai!") -> None:
    await boss.send("/thongbao")
    await boss.send(text)
    await boss.press("Bỏ qua")  # no image
    await boss.send("Thể lệ | https://example.vn/the-le")
    await boss.press("bc:aud:topic:contests")
    await boss.press("bc:done")


async def broadcasts(pipeline: Pipeline) -> list[tuple[Broadcast, int]]:
    async with pipeline.sessions() as session:
        rows = (await session.execute(select(Broadcast).order_by(Broadcast.id))).scalars().all()
        return [(b, int((await session.execute(select(func.count()).select_from(Delivery)
                                               .where(Delivery.broadcast_id == b.id))).scalar_one()))
                for b in rows]


async def test_an_officer_previews_and_sends_to_their_province_only(pipeline):
    await subscriber(pipeline, "tien-giang")
    await subscriber(pipeline, "tien-giang", "su kien")  # another topic
    await subscriber(pipeline, "nghe-an")  # another province
    boss = await officer(pipeline, "dong-thap")
    await compose(boss)
    preview = boss.text
    assert "Telegram: 1" in preview and "1 người" in preview
    assert "**Cuộc thi** mở vòng 2 từ mai!" in preview
    assert "Thể lệ" in boss.buttons() or any(r.buttons and r.buttons[0].url for r in boss.last)
    await boss.press("bc:send")
    assert "Thông báo #" in boss.text and "1 người" in boss.text
    [(broadcast, deliveries)] = await broadcasts(pipeline)
    assert deliveries == 1 and broadcast.state == "sending"
    assert "area:dong-thap" in broadcast.audience and "topic:contests" in broadcast.audience
    assert broadcast.link_url == "https://example.vn/the-le"


async def test_scheduling_checks_the_time_and_cancel_stops_it(pipeline):
    await subscriber(pipeline, "tien-giang")
    boss = await officer(pipeline, "dong-thap")
    await compose(boss)
    await boss.press("bc:schedule")
    await boss.send("hôm qua 08:00")
    assert "đã qua" in boss.text
    await boss.send("25:00")
    assert "chưa đọc được giờ" in boss.text
    await boss.send("6/10 8h30")
    [(broadcast, _)] = await broadcasts(pipeline)
    assert broadcast.state == "scheduled"
    assert broadcast.scheduled_at.replace(tzinfo=dt.UTC) == dt.datetime(2024, 10, 6, 1, 30, tzinfo=dt.UTC)
    await boss.press(f"bc:cancel:{broadcast.id}")
    assert "đã hủy" in boss.text
    [(broadcast, _)] = await broadcasts(pipeline)
    assert broadcast.state == "cancelled"


async def test_a_colleague_of_the_province_may_pause_it_and_another_province_may_not(pipeline):
    await subscriber(pipeline, "tien-giang")
    boss = await officer(pipeline, "dong-thap")
    await compose(boss)
    await boss.press("bc:send")
    [(broadcast, _)] = await broadcasts(pipeline)
    stranger = await officer(pipeline, "nghe-an")
    await stranger.send("", payload=f"bc:cancel:{broadcast.id}")  # a button of someone else's
    assert "không tìm thấy thông báo này" in stranger.text
    commune_officer = await officer(pipeline, "dong-thap", ("28273",))  # some communes only
    await commune_officer.send("", payload=f"bc:cancel:{broadcast.id}")
    assert "không tìm thấy thông báo này" in commune_officer.text
    assert (await broadcasts(pipeline))[0][0].state == "sending"
    colleague = await officer(pipeline, "dong-thap")
    await colleague.send("", payload=f"bc:pause:{broadcast.id}")
    assert (await broadcasts(pipeline))[0][0].state == "paused"


async def test_a_day_already_past_this_year_is_refused_with_the_year_to_write(pipeline, clock):
    await subscriber(pipeline, "tien-giang")
    boss = await officer(pipeline, "dong-thap")
    await compose(boss)
    await boss.press("bc:schedule")
    assert "6/10 08:00" in boss.text  # the example is tomorrow, never a past day
    await boss.send("1/10 08:00")  # four days ago: not silently 1/10/2025
    assert "1/10/2024 đã qua" in boss.text and "1/10/2025 08:00" in boss.text
    assert await broadcasts(pipeline) == []
    await boss.send("1/10/2025 08:00")
    [(broadcast, _)] = await broadcasts(pipeline)
    assert broadcast.scheduled_at.replace(tzinfo=dt.UTC) == dt.datetime(2025, 10, 1, 1, 0, tzinfo=dt.UTC)


async def test_a_january_day_typed_in_december_means_next_january(pipeline, clock):
    clock[0] = dt.datetime(2024, 12, 20, 2, 0, tzinfo=dt.UTC)
    await subscriber(pipeline, "tien-giang")
    boss = await officer(pipeline, "dong-thap")
    await compose(boss)
    await boss.press("bc:schedule")
    await boss.send("5/1 08:00")
    assert "5/1/2025" in boss.text
    [(broadcast, _)] = await broadcasts(pipeline)
    assert broadcast.scheduled_at.replace(tzinfo=dt.UTC) == dt.datetime(2025, 1, 5, 1, 0, tzinfo=dt.UTC)


async def test_citizens_cannot_broadcast_even_with_forged_buttons(pipeline):
    citizen = Chat(pipeline)
    await citizen.send("/thongbao")
    assert "chỉ dành cho" in citizen.text
    for payload in ("bc:send", "bc:cancel:1", "bc:failures:1"):
        await citizen.send("", payload=payload)
        assert "chỉ cán bộ" in citizen.text
    assert await broadcasts(pipeline) == []


async def test_wrong_answers_are_corrected_where_they_are_given(pipeline):
    boss = await officer(pipeline, "dong-thap")
    await boss.send("/thongbao")
    await boss.send("x" * 2100)
    assert "tối đa 2.000" in boss.text
    await boss.send("Tin ngắn")
    await boss.send("not a link")
    assert "https://" in boss.text
    await boss.press("Bỏ qua")
    await boss.send("Xem thêm | ftp://x")
    assert "nhãn | https://" in boss.text
    await boss.press("Bỏ qua")
    await boss.press("bc:done")
    assert "ít nhất một nhóm" in boss.text
    await boss.send("topic:nope")
    assert "chưa đọc được" in boss.text
    await boss.press("bc:aud:all")
    await boss.press("bc:done")
    # nobody subscribed yet: the preview says so and why, and offers no Send
    assert "Không có ai" in boss.text and "đăng ký" in boss.text
    assert "bc:send" not in [b.payload for r in boss.last for b in r.buttons]
    await boss.press("bc:regroup")
    assert "bc:aud:all" in [b.payload for r in boss.last for b in r.buttons]
    assert await broadcasts(pipeline) == []


async def test_an_officer_typing_another_province_reaches_nobody_there(pipeline):
    """The fault probe's reproduction: scoped to Nghệ An, typed `province:tien-giang`."""
    await subscriber(pipeline, "tien-giang", "thong bao")
    await subscriber(pipeline, "nghe-an", "thong bao")
    boss = await officer(pipeline, "nghe-an")
    await boss.send("/thongbao")
    await boss.send("Chỉ cho Nghệ An")
    await boss.press("Bỏ qua")  # no image
    await boss.press("Bỏ qua")  # no link
    assert "Nghệ An" in boss.text  # the area is said where the audience is chosen
    await boss.send("province:tien-giang")  # typed filters go straight to the preview
    assert "Không có ai" in boss.text and "Nghệ An" in boss.text  # counted within the area
    await boss.send("", payload="bc:send")  # a forged Send creates nothing to send either
    assert "Không có ai" in boss.text
    assert await broadcasts(pipeline) == []


async def test_the_area_is_named_never_shown_as_a_slug(pipeline):
    boss = Chat(pipeline)
    await grant(pipeline, boss, Role.OFFICER, "tien-giang")  # stored before the merger's slug
    await boss.send("/thongbao")
    await boss.send("Tin ngắn")
    await boss.press("Bỏ qua")
    await boss.press("Bỏ qua")
    assert "Địa bàn của bạn: Đồng Tháp" in boss.text and "tien-giang" not in boss.text
