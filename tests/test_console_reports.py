"""Visit reports in the console on both stores: each person's scope as in /baocao (an officer
their province, a leader their team, a member none), the period, each day's own report, and
the Excel, CSV and chart downloads."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import Role, Team
from db.repositories import UserRepository
from db.teams import TeamRepository
from tests.console_harness import console_server
from tests.fakes.chat import Chat
from tests.team_helpers import grant, officer
from tests.test_reports import PNG_SIGNATURE, seed
from tests.web_harness import web_settings


@pytest.fixture
async def server(pipeline, database_url, tmp_path, clock):
    await seed(pipeline.sessions, pipeline.services.content.services)
    async with console_server(pipeline, web_settings(database_url, tmp_path),
                              lambda: clock[0]) as running:
        yield running


async def in_team(pipeline, chat: Chat, team_name: str, role: Role) -> None:
    await chat.send("/menu")
    async with pipeline.sessions() as session, session.begin():
        identity = await UserRepository(session).find(chat.channel, chat.user_id)
        team = (await session.execute(select(Team).where(Team.name == team_name))).scalar_one()
        await TeamRepository(session).add_member(team, identity.user, role)


async def test_an_officer_sees_their_provinces_teams_and_downloads_the_files(pipeline,
                                                                             signed_in):
    browser = await signed_in(await officer(pipeline, "dong-thap"))
    page = await browser.get("/console/reports?from=2024-10-01&to=2024-10-05")
    assert browser.status == 200
    assert "Tổ Mỹ Phong" in page and "Tổ Bình Phan" in page and "Tổ Kim Liên" not in page
    async with browser.http.get(browser.url + "/console/reports/visits.xlsx?from=2024-10-01"
                                "&to=2024-10-05") as response:
        assert response.status == 200 and (await response.read())[:2] == b"PK"
        assert "attachment" in response.headers["Content-Disposition"]
    async with browser.http.get(browser.url + "/console/reports/visits.csv?from=2024-10-01"
                                "&to=2024-10-05") as response:
        body = (await response.read()).decode("utf-8-sig")
        assert response.status == 200 and "Tổ Kim Liên" not in body and "Tổ Mỹ Phong" in body
    async with browser.http.get(browser.url + "/console/reports/chart.png?from=2024-10-01"
                                "&to=2024-10-05") as response:
        assert (await response.read()).startswith(PNG_SIGNATURE)


async def test_a_day_of_the_table_leads_to_that_days_report(pipeline, signed_in):
    browser = await signed_in(await officer(pipeline, "dong-thap"))
    page = await browser.get("/console/reports?from=2024-10-01&to=2024-10-05")
    assert 'href="/console/reports?from=2024-10-02&amp;to=2024-10-02"' in page
    day = await browser.get("/console/reports?from=2024-10-02&to=2024-10-02")
    assert "Báo cáo: Đồng Tháp, 2/10/2024" in day and "Xã An Thạnh Thủy (1)" in day


async def test_the_scope_picker_narrows_within_ones_own_area_only(pipeline, signed_in):
    from tests.test_reports import AN_THANH_THUY, MY_PHONG

    period = "from=2024-10-01&to=2024-10-05"
    admin_chat = Chat(pipeline)
    await grant(pipeline, admin_chat, Role.ADMIN)
    admin = await signed_in(admin_chat)
    page = await admin.get(f"/console/reports?{period}")
    assert "Tổ Kim Liên" in page and '<option value="dong-thap">Đồng Tháp</option>' in page
    page = await admin.get(f"/console/reports?{period}&province=dong-thap")
    assert "Tổ Kim Liên" not in page and "Tổ Mỹ Phong" in page  # Nghệ An's team left out
    assert f'<option value="{MY_PHONG}">Phường Mỹ Phong</option>' in page
    page = await admin.get(f"/console/reports?{period}&province=nghe-an&commune={MY_PHONG}")
    assert admin.status == 200 and "Tổ Kim Liên" in page  # a commune left from Đồng Tháp
    east = await signed_in(await officer(pipeline, "dong-thap"))
    page = await east.get(f"/console/reports?{period}&commune={AN_THANH_THUY}")
    assert "Báo cáo: Xã An Thạnh Thủy" in page and "Tổ Mỹ Phong" not in page
    assert f"commune={AN_THANH_THUY}" in page.split("visits.xlsx?")[1][:80]  # downloads too
    team_option = re_search(r'<option value="(\d+)">Tổ Bình Phan</option>', page)
    page = await east.get(f"/console/reports?{period}&commune={AN_THANH_THUY}&team={team_option}")
    assert "Báo cáo: Tổ Bình Phan" in page
    for foreign in ("province=nghe-an", "team=" + str(await _team_id(pipeline, "Tổ Kim Liên"))):
        await east.get(f"/console/reports?{period}&{foreign}")
        assert east.status == 403  # another province, by URL
    narrow = await signed_in(await officer(pipeline, "dong-thap", communes=(MY_PHONG,)))
    await narrow.get(f"/console/reports?{period}&commune={AN_THANH_THUY}")
    assert narrow.status == 403  # a commune of the province outside the officer's own


def re_search(pattern: str, text: str) -> str:
    import re

    found = re.search(pattern, text)
    assert found, text
    return found[1]


async def _team_id(pipeline, name: str) -> int:
    async with pipeline.sessions() as session:
        return (await session.execute(select(Team.id).where(Team.name == name))).scalar_one()


async def test_a_leader_sees_only_their_team_and_a_member_nothing(pipeline, signed_in):
    leader = Chat(pipeline)
    await in_team(pipeline, leader, "Tổ Kim Liên", Role.LEADER)
    browser = await signed_in(leader)
    page = await browser.get("/console/reports?from=2024-10-01&to=2024-10-05")
    assert "Tổ Kim Liên" in page and "Tổ Mỹ Phong" not in page
    member = Chat(pipeline)
    await in_team(pipeline, member, "Tổ Mỹ Phong", Role.MEMBER)
    await grant(pipeline, member, Role.LEADER)  # a leader's role, but not their team's leader
    other = await signed_in(member)
    await other.get("/console/reports")
    assert other.status == 403


async def test_wrong_dates_say_what_is_wrong_and_show_the_last_30_days(pipeline, signed_in):
    browser = await signed_in(await officer(pipeline, "dong-thap"))
    page = await browser.get("/console/reports?from=5/10/2024&to=1/10/2024")
    assert browser.status == 200 and "YYYY-MM-DD" in page and "Tổ Mỹ Phong" in page
    page = await browser.get("/console/reports?from=2024-10-05&to=2024-10-01")
    assert "Ngày đầu sau ngày cuối" in page and 'value="2024-09-06"' in page  # the last 30 days
    page = await browser.get("/console/reports?from=2020-01-01&to=2024-10-05")
    assert "tối đa 800 ngày" in page and "YYYY-MM-DD" not in page
    page = await browser.get("/console/reports?from=2022-10-01")  # up to today (5/10/2024)
    assert 'value="2022-10-01"' in page and 'value="2024-10-05"' in page
    assert "tối đa" not in page and "YYYY-MM-DD" not in page


async def test_a_province_of_many_teams_shows_the_hundred_with_most_visits(pipeline, signed_in):
    from tests.test_reports import MY_PHONG

    async with pipeline.sessions() as session, session.begin():
        for n in range(100):  # silent teams: the seed's teams with visits come first
            await TeamRepository(session).create(name=f"Tổ số {n:03}", province="dong-thap",
                                                 communes=[MY_PHONG])
    browser = await signed_in(await officer(pipeline, "dong-thap"))
    page = await browser.get("/console/reports?from=2024-10-01&to=2024-10-05")
    teams = page.split("Theo tổ", 1)[1].split("</table>", 1)[0]
    assert teams.count("<tr><td>") == 100 and "Tổ Mỹ Phong" in teams  # most visits first
    assert "3 tổ còn lại (nhiều lượt nhất trước) có trong tệp Excel." in page
