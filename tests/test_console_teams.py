"""Teams in the console on both stores: an officer's teams with members, leader and last visit;
another province's team refused by URL and by form, with nothing changed; creating a team
within the area only; invite codes with their uses left and a printable page with a QR code."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, InviteCode, Role, Team
from db.repositories import UserRepository
from db.teams import TeamRepository
from tests.console_harness import console_server
from tests.fakes.chat import Chat
from tests.team_helpers import create_team, member_of, officer
from tests.test_console_reports import in_team
from tests.test_reports import CHO_GAO, DAO_THANH, KIM_LIEN, MY_PHONG, seed
from tests.web_harness import web_settings

OA_URL = "https://zalo.me/1234567890123456789"


@pytest.fixture
async def server(pipeline, database_url, tmp_path, clock):
    await seed(pipeline.sessions, pipeline.services.content.services)
    settings = web_settings(database_url, tmp_path, zalo_oa_url=OA_URL)
    async with console_server(pipeline, settings, lambda: clock[0]) as running:
        yield running


async def _team_id(pipeline, name: str) -> int:
    async with pipeline.sessions() as session:
        return (await session.execute(select(Team.id).where(Team.name == name))).scalar_one()


async def _count(pipeline, model, *where) -> int:
    async with pipeline.sessions() as session:
        statement = select(func.count()).select_from(model).where(*where)
        return int((await session.execute(statement)).scalar_one())


async def test_an_officer_sees_their_provinces_teams_with_leader_members_and_last_visit(
        pipeline, signed_in):
    boss = await officer(pipeline, "dong-thap")
    leader = Chat(pipeline)
    await in_team(pipeline, leader, "Tổ Mỹ Phong", Role.LEADER)
    browser = await signed_in(boss)
    page = await browser.get("/console/teams")
    assert browser.status == 200
    assert "Tổ Mỹ Phong" in page and "Tổ Bình Phan" in page and "Tổ Kim Liên" not in page
    row = re.search(r"Tổ Mỹ Phong</a>.*?</tr>", page, re.S)
    assert row, page
    # one member (the leader, by number: the bot keeps no names), last visit 3/10/2024 (the
    # undone visit of the same day does not count, and neither would a later one)
    assert ">1<" in row[0] and "3/10/2024" in row[0]
    async with pipeline.sessions() as session:
        identity = await UserRepository(session).find(leader.channel, leader.user_id)
    assert f"#{identity.user.id} " in row[0]
    song_binh = re.search(r"Tổ Song Bình</a>.*?</tr>", page, re.S)
    assert song_binh and "chưa ghi nhận lượt nào" in song_binh[0]


async def test_a_province_with_many_teams_gets_them_a_hundred_per_page(pipeline, signed_in):
    async with pipeline.sessions() as session, session.begin():
        for n in range(103):  # the seed has 3 teams in Đồng Tháp: 106 in all
            await TeamRepository(session).create(name=f"Tổ số {n:03}", province="dong-thap",
                                                 communes=[MY_PHONG])
        await TeamRepository(session).create(name="Tổ Nghệ An", province="nghe-an",
                                             communes=[KIM_LIEN])
    browser = await signed_in(await officer(pipeline, "dong-thap"))
    first = await browser.get("/console/teams")
    assert first.count("<tr><td><a href") == 100 and "Tổ 1–100 trong 106 tổ" in first
    assert 'href="/console/teams?page=2">Trang sau' in first and "Trang trước" not in first
    second = await browser.get("/console/teams?page=2")
    assert second.count("<tr><td><a href") == 6 and "Tổ 101–106 trong 106 tổ" in second
    assert "Trang sau" not in second and 'href="/console/teams?page=1">Trang trước' in second
    shown = re.findall(r"#\d+ (Tổ [^<]+)</a>", first + second)
    assert len(set(shown)) == 106 and "Tổ Nghệ An" not in shown  # each once, none of Nghệ An


async def test_another_provinces_team_is_refused_by_url_and_form_and_nothing_changes(
        pipeline, signed_in):
    browser = await signed_in(await officer(pipeline, "dong-thap"))
    kim_lien = await _team_id(pipeline, "Tổ Kim Liên")
    await browser.get(f"/console/teams/{kim_lien}")
    assert browser.status == 403
    await browser.get("/console/teams")  # a page with this session's CSRF token
    await browser.post(f"/console/teams/{kim_lien}/invites")
    assert browser.status == 403
    assert await _count(pipeline, InviteCode, InviteCode.team_id == kim_lien) == 0
    await browser.get("/console/teams/999999")
    assert browser.status == 404


async def test_an_officer_creates_a_team_in_their_area_and_only_there(pipeline, signed_in):
    browser = await signed_in(await officer(pipeline, "dong-thap"))
    form = await browser.get("/console/teams/new")
    assert browser.status == 200 and f'value="{MY_PHONG}"' in form
    assert f'value="{KIM_LIEN}"' not in form  # Nghệ An's communes are not offered
    await browser.post("/console/teams/new", {"province": "nghe-an", "name": "Tổ lạ",
                                              "commune": KIM_LIEN})
    assert browser.status == 403  # the province is the officer's whatever the form says
    assert await _count(pipeline, Team, Team.name == "Tổ lạ") == 0
    await browser.get("/console/teams/new")
    page = await browser.post("/console/teams/new", {"name": "", "commune": MY_PHONG})
    assert browser.status == 400 and "Đặt tên" in page
    await browser.get("/console/teams/new")
    page = await browser.post("/console/teams/new", {
        "name": "Tổ CNSCĐ Chợ Gạo", "commune": CHO_GAO, "also": DAO_THANH})
    assert browser.status == 200 and "Tổ CNSCĐ Chợ Gạo" in page
    async with pipeline.sessions() as session:
        team = (await session.execute(select(Team).where(Team.name == "Tổ CNSCĐ Chợ Gạo"))
                ).scalar_one()
        assert (team.province, team.communes) == ("dong-thap", [CHO_GAO, DAO_THANH])
    await browser.get("/console/teams/new")  # the same again (a form sent twice): refused
    page = await browser.post("/console/teams/new", {"name": " tổ cnscđ  chợ gạo", "commune": CHO_GAO})
    assert browser.status == 409 and f"Tổ #{team.id}" in page and "đã có" in page
    assert await _count(pipeline, Team, Team.name == "tổ cnscđ  chợ gạo") == 0
    assert await _count(pipeline, AuditEntry, AuditEntry.action == "team_created") == 1


async def test_a_new_invite_code_prints_with_a_qr_code_and_counts_its_uses(pipeline,
                                                                            signed_in):
    boss = await officer(pipeline, "dong-thap")
    browser = await signed_in(boss)
    team_id = await _team_id(pipeline, "Tổ Bình Phan")
    await browser.get(f"/console/teams/{team_id}")
    printable = await browser.post(f"/console/teams/{team_id}/invites")
    assert browser.status == 200
    code = re.search(r'class="code">([A-Z0-9]{8})<', printable)
    assert code, printable
    assert f"/thamgia {code[1]}" in printable and 'src="data:image/svg+xml' in printable
    assert "30 người" in printable  # uses left, from the settings' 30
    assert re.search(r"Dùng được đến \d+/\d+/2024 \d\d:\d\d,", printable)  # to the minute
    await member_of(pipeline, code[1])
    team = await browser.get(f"/console/teams/{team_id}")
    assert f"<code>{code[1]}</code></td><td>29 / 30" in team
    assert await _count(pipeline, AuditEntry, AuditEntry.action == "invite_created") == 1


async def test_a_leader_gets_their_own_team_and_a_member_is_refused(pipeline, signed_in):
    boss = await officer(pipeline, "dong-thap")
    team_id, code = await create_team(boss)
    leader = await member_of(pipeline, code)
    async with pipeline.sessions() as session, session.begin():
        identity = await UserRepository(session).find(leader.channel, leader.user_id)
        team = await TeamRepository(session).get(team_id)
        await TeamRepository(session).set_leader(team, identity.user)
    browser = await signed_in(leader)
    page = await browser.get("/console/teams")
    assert browser.status == 200 and f"#{team_id} Tổ CNSCĐ phường Mỹ Phong" in page
    await browser.get(f"/console/teams/{await _team_id(pipeline, 'Tổ Bình Phan')}")
    assert browser.status == 403
