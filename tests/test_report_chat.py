"""/baocao in chat: who sees what, choosing the period, and the files it sends (SQLite and
PostgreSQL, through the real pipeline; the clock is 05/10/2024)."""

from __future__ import annotations

from dataclasses import replace

import openpyxl
import pytest
from sqlalchemy import delete, update

from bot.pipeline import Pipeline
from db.models import Role, TeamMember, User
from tests.fakes.chat import Chat
from tests.team_helpers import create_team, member_of, officer

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def reporting(pipeline: Pipeline, services, tmp_path) -> Pipeline:
    """The pipeline with report files written to a temporary folder."""
    return Pipeline(replace(services, reports_dir=tmp_path / "reports"), pipeline.sessions,
                    clock=pipeline.clock)


async def team_with_visits(pipeline: Pipeline) -> tuple[Chat, Chat, int]:
    """An officer of Đồng Tháp, a leader who logged two visits (7 people), and the team id."""
    boss = await officer(pipeline)
    team_id, code = await create_team(boss)
    leader = await member_of(pipeline, code)
    await boss.send(f"/to {team_id}")
    await boss.press(next(b for b in boss.buttons() if b.startswith("Tổ trưởng")))
    for line in ("/gn 3/10; Mỹ Phong; 4; dvc, vneid; xong", "/gn hôm nay; Mỹ Phong, ấp 2; 3; tmdt; chưa"):
        await leader.send(line)
        await leader.press("Lưu")
    return boss, leader, team_id


async def test_a_leader_gets_the_summary_chart_workbook_and_csv(reporting):
    _, leader, _ = await team_with_visits(reporting)
    leader.pipeline = reporting
    await leader.send("/baocao")
    assert "7 ngày qua" in leader.buttons()
    await leader.press("report:last:7")
    summary, chart, workbook, table = leader.last
    assert "Lượt hướng dẫn: 2" in summary.text and "số người được hướng dẫn: 7" in summary.text
    assert chart.attachment.kind == "image"
    assert chart.attachment.path.read_bytes().startswith(PNG_SIGNATURE)
    book = openpyxl.load_workbook(workbook.attachment.path, read_only=True)
    details = list(book[book.sheetnames[-1]].iter_rows(min_row=2, values_only=True))
    assert len(details) == 2 and sum(row[5] for row in details) == 7
    lines = table.attachment.path.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 3  # header and two visits


async def test_a_member_and_a_citizen_cannot_read_reports(reporting):
    boss = await officer(reporting)
    _, code = await create_team(boss)
    member = await member_of(reporting, code)
    for chat in (member, Chat(reporting)):
        await chat.send("/baocao")
        assert "chỉ dành cho" in chat.text
        forged = await chat.send("", payload="report:last:7")
        assert "Báo cáo dành cho tổ trưởng" in forged[0].text


async def test_officers_see_their_area_only(reporting):
    boss, _, _ = await team_with_visits(reporting)
    await boss.send("/baocao 1/10/2024 - 5/10/2024")
    assert "Lượt hướng dẫn: 2" in boss.text
    elsewhere = await officer(reporting, "nghe-an")
    await elsewhere.send("/baocao 1/10/2024 - 5/10/2024")
    assert "Chưa có lượt hướng dẫn nào" in elsewhere.text
    other_commune = await officer(reporting, "dong-thap", ("28360",))  # Xã Cái Bè
    await other_commune.send("/baocao 1/10/2024 - 5/10/2024")
    assert "Chưa có lượt hướng dẫn nào" in other_commune.text
    own_commune = await officer(reporting, "dong-thap", ("28273",))  # Phường Mỹ Phong
    await own_commune.send("/baocao 1/10/2024 - 5/10/2024")
    assert "Lượt hướng dẫn: 2" in own_commune.text and "Phường Mỹ Phong" in own_commune.text


async def test_the_period_is_chosen_by_campaign_or_typed_and_checked(reporting):
    boss, _, _ = await team_with_visits(reporting)
    await boss.send("/baocao")
    campaign = next(b for b in boss.buttons() if "Tổ CNSCĐ Tiền Giang ra quân" in b)
    await boss.press(campaign)  # Tiền Giang 01–20/10/2022: nothing logged then
    assert "Chưa có lượt hướng dẫn nào" in boss.text
    await boss.send("/baocao")
    await boss.send("hôm qua đến mai")
    assert "chưa đọc được ngày" in boss.text
    await boss.send("1/10 - 5/10")  # the form stayed: the year defaults to the latest past one
    assert "Lượt hướng dẫn: 2" in boss.text


async def test_a_leader_moved_to_citizen_loses_access_mid_choice(reporting):
    _, leader, _ = await team_with_visits(reporting)
    await leader.send("/baocao")
    async with reporting.sessions() as session, session.begin():  # the officer removes them
        await session.execute(delete(TeamMember))
        await session.execute(update(User).values(role=int(Role.CITIZEN)))
    await leader.send("1/10 - 5/10")
    assert "Báo cáo dành cho tổ trưởng" in leader.text


async def test_a_leader_sees_only_their_own_team(reporting):
    boss, leader, _ = await team_with_visits(reporting)
    other_id, other_code = await create_team(boss, "Tổ CNSCĐ phường Đạo Thạnh; Đạo Thạnh")
    other_leader = await member_of(reporting, other_code)
    await boss.send(f"/to {other_id}")
    await boss.press(next(b for b in boss.buttons() if b.startswith("Tổ trưởng")))
    await other_leader.send("/gn hôm nay; Đạo Thạnh; 9; dvc; xong")
    await other_leader.press("Lưu")
    await leader.send("/baocao 1/10/2024 - 5/10/2024")
    assert "Lượt hướng dẫn: 2" in leader.text and "Đạo Thạnh" not in leader.text
    await other_leader.send(f"/to {other_id - 1}")  # another team's card: refused
    assert "chỉ xem được tổ của mình" in other_leader.text
    await boss.send("/baocao 1/10/2024 - 5/10/2024")  # the officer sees both
    assert "Lượt hướng dẫn: 3" in boss.text
