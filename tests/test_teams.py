"""Teams, invite codes and roles, through the real pipeline on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import main as cli
from db.models import Broadcast, Delivery, Role, TeamMember, User
from tests.fakes.chat import Chat
from tests.team_helpers import create_team, grant, invite_code, member_of, officer


async def test_an_officer_creates_a_team_and_members_join_with_its_code(pipeline):
    boss = await officer(pipeline)
    team_id, code = await create_team(boss)
    assert "Phường Mỹ Phong, Phường Đạo Thạnh, Đồng Tháp" in boss.text
    member = await member_of(pipeline, code)
    card = await member.send("/to")
    assert f"Tổ #{team_id}" in card[0].text and "1 thành viên" in card[0].text
    # the deep link t.me/<bot>?start=CODE arrives as /start CODE
    second = Chat(pipeline)
    assert "Chào mừng" in (await second.send(f"/start {code}"))[0].text
    assert "2 thành viên" in (await second.send("/to"))[0].text


async def test_a_citizen_cannot_create_teams_or_log_visits(pipeline):
    citizen = Chat(pipeline)
    for command in ("/taoto Tổ A; Mỹ Phong", "/dsto", "/ghinhan", "/gn hôm nay; x; 1; dvc; xong",
                    "/moi", "/to", "/sua"):
        replies = await citizen.send(command)
        assert "chỉ dành cho" in replies[0].text, (command, replies[0].text)
    async with pipeline.sessions() as session:
        assert (await session.execute(select(TeamMember))).first() is None


async def test_an_officer_works_only_inside_their_area(pipeline):
    # An officer of two wards of Đồng Tháp (the former city of Mỹ Tho's Mỹ Phong and Đạo Thạnh).
    commune_officer = await officer(pipeline, "dong-thap", ("28273", "28249"))
    await commune_officer.send("/taoto Tổ B; Cái Bè")
    assert "chỉ tạo được tổ trên địa bàn" in commune_officer.text
    team_id, _ = await create_team(commune_officer)
    other_province = await officer(pipeline, "nghe-an")
    await other_province.send(f"/to {team_id}")
    assert "chỉ xem được tổ của mình" in other_province.text
    await other_province.send("/taoto Đồng Tháp; Tổ C; Mỹ Phong")
    assert "chỉ tạo được tổ trên địa bàn" in other_province.text
    province_officer = await officer(pipeline, "dong-thap")
    await province_officer.send("/dsto")
    assert f"#{team_id}" in province_officer.text


async def test_a_team_is_made_in_current_communes_and_a_name_that_fits_several_is_asked(pipeline):
    boss = await officer(pipeline)
    # "phường 5" was a ward of three former towns: the current wards they became are buttons.
    replies = await boss.send("/taoto Tổ F; phuong 5")
    labels = [b.label for b in replies[0].buttons]
    assert "có thể là nhiều xã/phường" in replies[0].text
    assert "Phường Đạo Thạnh (trước là Phường 5, Thành phố Mỹ Tho)" in labels and len(labels) == 3
    await boss.press(next(b.payload for b in replies[0].buttons if "Đạo Thạnh" in b.label))
    assert "Đã tạo tổ" in boss.text and "Phường Đạo Thạnh, Đồng Tháp" in boss.text
    # A former commune's name, without diacritics, is the current ward it went into.
    await boss.send("/taoto Tổ G; xa tan my chanh")
    assert "Phường Mỹ Phong, Đồng Tháp" in boss.text
    assert "Xã Tân Mỹ Chánh, Thành phố Mỹ Tho nay thuộc Phường Mỹ Phong" in boss.text
    await boss.send("/taoto Tổ H; xã Không Có")
    assert "không tìm thấy xã/phường “xã Không Có” ở Đồng Tháp" in boss.text


async def test_invite_codes_expire_and_run_out(pipeline, clock):
    boss = await officer(pipeline)
    _, code = await create_team(boss)
    # A code limited to one use, made from the command line's repository settings.
    runner_code = code
    first = await member_of(pipeline, runner_code)
    assert "Chào mừng" in first.text
    # 30 uses by default: exhaust what is left, then the 31st person is refused.
    for _ in range(29):
        await member_of(pipeline, runner_code)
    late = Chat(pipeline)
    await late.send(f"/thamgia {runner_code}")
    assert "không dùng được" in late.text
    # a new code works, and stops working after its validity (14 days)
    await boss.send("/moi 1")
    fresh = invite_code(boss.text)
    clock[0] += dt.timedelta(days=15)
    await late.send(f"/thamgia {fresh}")
    assert "không dùng được" in late.text
    await late.send("/thamgia NOSUCH12")
    assert "không dùng được" in late.text
    await late.send("/thamgia")
    assert "/thamgia AB3K9QXZ" in late.text


async def test_joining_twice_does_not_use_the_code_again(pipeline):
    boss = await officer(pipeline)
    _, code = await create_team(boss)
    member = await member_of(pipeline, code)
    await member.send(f"/thamgia {code.lower()}")
    assert "đã là thành viên" in member.text


async def test_the_officer_names_the_leader_who_can_then_invite(pipeline):
    boss = await officer(pipeline)
    team_id, code = await create_team(boss)
    member = Chat(pipeline, channel="console")  # a channel the bot can reach without tokens
    await member.send(f"/thamgia {code}")
    await member.send("/moi")
    assert "chỉ dành cho" in member.text  # members cannot make codes
    await boss.send(f"/to {team_id}")
    leader_button = next(b for b in boss.buttons() if b.startswith("Tổ trưởng"))
    await boss.press(leader_button)
    assert "nay là tổ trưởng" in boss.text and "Mình đã báo cho người đó" in boss.text
    async with pipeline.sessions() as session:  # the notice goes to the new leader alone
        notices = (await session.execute(
            select(Broadcast.text, func.count(Delivery.id)).join(Delivery)
            .group_by(Broadcast.id))).all()
    assert [(text.startswith("Cán bộ đã chỉ định bạn làm tổ trưởng"), n)
            for text, n in notices] == [(True, 1)]
    await member.send("/moi")
    assert "/thamgia" in member.text
    # a forged button from a member is refused on the server
    forged = await member.send("", payload=f"team:lead:{team_id}:1")
    assert "chỉ cán bộ" in forged[0].text


async def test_admin_ids_make_an_admin_without_any_stored_role(pipeline, services):
    from dataclasses import replace

    from bot.pipeline import Pipeline

    admin_chat = Chat(pipeline)
    admin_chat.pipeline = Pipeline(replace(services, admins=frozenset({f"test:{admin_chat.user_id}"})),
                                   pipeline.sessions, clock=pipeline.clock)
    await admin_chat.send("/taoto nghe-an; Tổ D; Vinh Hưng")
    assert "Đã tạo tổ" in admin_chat.text
    same_user_without_config = Chat(pipeline, user_id=admin_chat.user_id)
    await same_user_without_config.send("/taoto nghe-an; Tổ D; Vinh Hưng")
    assert "chỉ dành cho" in same_user_without_config.text


def test_users_grant_stores_the_role_and_area(database_url):
    import asyncio

    from db.engine import create_engine, session_factory

    env = {"DATABASE_URL": database_url}
    result = CliRunner().invoke(cli, ["users", "grant", "test:someone", "officer", "--province",
                                      "thai binh", "--commune", "Vũ Phúc"], env=env)
    assert result.exit_code == 0, result.output

    async def stored() -> User:
        engine = create_engine(database_url)
        try:
            async with session_factory(engine)() as session:
                return (await session.execute(select(User))).scalar_one()
        finally:
            await engine.dispose()

    user = asyncio.run(stored())
    # Thái Bình is part of Hưng Yên now; Vũ Phúc is one of its wards, kept by code.
    assert (user.role, user.scope_province, user.scope_communes) == (
        Role.OFFICER, "hung-yen", ["12466"])
    for bad in (["nocolon", "officer"], ["test:x", "officer"], ["test:x", "king"],
                ["test:x", "leader"], ["test:x", "admin", "--province", "nghe-an"]):
        assert CliRunner().invoke(cli, ["users", "grant", *bad], env=env).exit_code == 2


def test_teams_from_the_command_line(database_url):
    env = {"DATABASE_URL": database_url}
    created = CliRunner().invoke(cli, ["teams", "create", "--province", "dong-thap",
                                       "--commune", "Mỹ Phong", "--commune", "28249",
                                       "--name", "Tổ E"], env=env)
    assert created.exit_code == 0, created.output
    assert "/thamgia" in created.output and "Phường Đạo Thạnh" in created.output
    listed = CliRunner().invoke(cli, ["teams", "list", "--province", "Đồng Tháp",
                                      "--commune", "Phường Mỹ Phong"], env=env)
    assert "Tổ E" in listed.output and "0 members" in listed.output
    wrong = CliRunner().invoke(cli, ["teams", "create", "--province", "Atlantis",
                                     "--commune", "Y", "--name", "Z"], env=env)
    assert wrong.exit_code == 2 and "unknown province" in wrong.output
    several = CliRunner().invoke(cli, ["teams", "create", "--province", "dong-thap",
                                       "--commune", "phường 5", "--name", "Z"], env=env)
    assert several.exit_code == 2 and "28249 Phường Đạo Thạnh" in several.output
    blank = CliRunner().invoke(cli, ["teams", "create", "--province", "dong-thap",
                                     "--commune", "28249", "--name", "  "], env=env)
    assert blank.exit_code == 2 and "1 to 128 characters" in blank.output


async def test_grant_helper_sets_role(pipeline):
    chat = Chat(pipeline)
    await grant(pipeline, chat, Role.LEADER)
    await chat.send("/help")
    assert "/moi" in chat.text and "/taoto" not in chat.text


async def test_an_officer_asking_for_an_invite_is_told_the_right_command(pipeline):
    boss = await officer(pipeline, "dong-thap")
    await boss.send("/moi")
    assert "ví dụ /moi 12" in boss.text and "/to 12" not in boss.text
    await boss.send("/to")
    assert "ví dụ /to 12" in boss.text


async def test_a_member_of_another_team_is_asked_before_moving(pipeline):
    boss = await officer(pipeline)
    first_id, first = await create_team(boss)
    second_id, second = await create_team(boss, "Tổ CNSCĐ phường Đạo Thạnh; Đạo Thạnh")
    member = await member_of(pipeline, first)
    await boss.send(f"/to {first_id}")
    await boss.press(next(b for b in boss.buttons() if b.startswith("Tổ trưởng")))
    assert "bạn báo giúp họ" in boss.text  # the test channel cannot start a message
    await member.send(f"/thamgia {second}")
    assert "Tham gia tổ khác thì bạn sẽ rời tổ này" in member.text
    assert "Bạn là tổ trưởng" in member.text  # a leader hears what their team loses
    await member.press("team:stay")
    assert "vẫn ở tổ hiện tại" in member.text
    await member.send("/to")
    assert f"Tổ #{first_id}" in member.text and "(bạn, tổ trưởng)" in member.text
    assert "chưa ghi nhận lượt nào" in member.text
    await member.send(f"/thamgia {second}")
    await member.press("Chuyển sang tổ mới")
    assert "Chào mừng" in member.text and "Bạn đã rời" in member.text
    await member.send("/to")
    assert f"Tổ #{second_id}" in member.text and "(bạn, thành viên)" in member.text


async def test_the_same_team_made_twice_is_refused_and_named(pipeline):
    boss = await officer(pipeline)
    first, _ = await create_team(boss)
    replies = await boss.send("/taoto tổ cnscđ phường mỹ phong; Mỹ Phong")
    assert f"Tổ #{first}" in replies[0].text and "đã có" in replies[0].text
    assert "/moi" in replies[0].text
