"""Lists put what is running or upcoming first, then within that and within what is over the
user's province first, then national items, then other provinces'; a deadline is "due", never
"starting" (through the real pipeline)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.fakes.chat import Chat
from tests.team_helpers import create_team, member_of, officer


async def person_of(pipeline, province: str) -> Chat:
    chat = Chat(pipeline)
    await chat.send("/start")
    await chat.press("consent:yes")
    await chat.press(f"prov:{province}")
    return chat


def items(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("• ")]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_events_and_contests_list_the_users_province_first(pipeline, clock):
    clock[0] = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # every event and contest is over
    dong_thap = await person_of(pipeline, "dong-thap")  # Tiền Giang is part of it now
    await dong_thap.send("/sukien")
    listed = items(dong_thap.text)
    assert "Tiền Giang" in listed[0] or "Ngày Chuyển đổi số quốc gia, Ngà" in listed[0]
    assert "Sự kiện hưởng ứng Ngày Chuyển đổi số quốc gia năm" in listed[1]  # national next
    await dong_thap.send("/cuocthi")
    assert "Tiền Giang" in items(dong_thap.text)[0]
    quang_ngai = await person_of(pipeline, "quang-ngai")
    await quang_ngai.send("/cuocthi")
    assert "Tổ công nghệ số cộng đồng" in items(quang_ngai.text)[0]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_deadlines_list_the_members_province_first_and_say_due(pipeline):
    boss = await officer(pipeline, "dong-thap")
    _, code = await create_team(boss)
    member = await member_of(pipeline, code)
    await member.send("/tinh")  # a member who joined by code has not given consent yet
    await member.press("consent:yes")
    await member.press("prov:dong-thap")
    await member.send("/hanbaocao")
    listed = items(member.text)
    assert "(Tiền Giang)" in listed[0]
    assert "bắt đầu" not in member.text.lower()
    assert any(word in member.text for word in ("đến hạn", "Đã qua hạn"))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_recurring_deadline_ends_with_its_plan_and_says_what_changed(pipeline, clock):
    # Thái Bình's plan 96/KH-UBND covers 2023-2025: in December 2026 it sets no deadline any
    # more, and the bodies it names were merged.
    clock[0] = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    boss = await officer(pipeline, "hung-yen")
    _, code = await create_team(boss, "Tổ CNSCĐ phường Phố Hiến; Phố Hiến")
    member = await member_of(pipeline, code)
    await member.send("/tinh")
    await member.press("consent:yes")
    await member.press("prov:hung-yen")
    await member.send("/hanbaocao")
    thai_binh = [line for line in items(member.text) if "(Thái Bình)" in line]
    assert thai_binh and all("2025" in line and "Đã qua hạn" in line for line in thai_binh)
    assert "15/12/2026" not in member.text
    assert "Thái Bình nay thuộc tỉnh Hưng Yên" in member.text
    assert "Sở Thông tin và Truyền thông nay đã hợp nhất vào Sở Khoa học và Công nghệ" in member.text
    assert member.text.startswith("Không có hạn báo cáo nào sắp tới")  # all are past: said first
