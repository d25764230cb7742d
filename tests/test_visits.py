"""Logging visits: the guided form, the quick form, every correction, edit, undo, restarts.
Through the real pipeline on SQLite and PostgreSQL; the clock is 05/10/2024 09:00 (ICT)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.pipeline import Pipeline
from db.engine import create_engine, session_factory
from db.models import Visit
from tests.fakes.chat import Chat
from tests.team_helpers import team_member

SERVICES_DVC_TMDT = 0b1001  # bits of dvc (0) and tmdt (3) in content/services.yaml


@pytest.fixture
async def member(pipeline: Pipeline) -> Chat:
    return await team_member(pipeline)


async def visits(pipeline: Pipeline) -> list[Visit]:
    async with pipeline.sessions() as session:
        return list((await session.execute(select(Visit).order_by(Visit.id))).scalars())


async def fill_guided(member: Chat) -> None:
    """The guided form up to its summary: 03/10, Mỹ Phong, ấp 3, 4 people, dvc + tmdt, done, a note."""
    await member.send("/ghinhan")
    await member.send("3/10")
    await member.press("Phường Mỹ Phong")
    await member.send("ấp 3")
    await member.send("4")
    await member.press("visit:svc:dvc")
    await member.press("visit:svc:tmdt")
    await member.press("Tiếp")
    await member.press("visit:outcome:done")
    await member.send("Bà con cần thêm tờ rơi")
    await member.press("Bỏ qua")


async def test_the_guided_form_saves_what_the_member_confirmed(pipeline, member):
    await fill_guided(member)
    assert "Bạn kiểm tra lại trước khi lưu" in member.text
    assert "3/10/2024" in member.text and "Mỹ Phong, ấp 3" in member.text
    await member.press("Lưu")
    assert "Đã lưu lượt ghi nhận #" in member.text
    [visit] = await visits(pipeline)
    assert (visit.visit_date, visit.commune_code, visit.address, visit.people, visit.services,
            visit.outcome, visit.note, visit.province, visit.former_district) == (
        dt.date(2024, 10, 3), "28273", "ấp 3", 4, SERVICES_DVC_TMDT, "done",
        "Bà con cần thêm tờ rơi", "dong-thap", None)


async def test_the_quick_form_gives_the_same_summary_and_the_same_record(pipeline, member):
    await fill_guided(member)
    guided_summary = member.last[0].text
    await member.press("Lưu")
    await member.send("/gn 3/10; my phong, ấp 3; 4; dvc, voso; xong; Bà con cần thêm tờ rơi")
    assert member.last[0].text == guided_summary
    await member.press("Lưu")
    first, second = await visits(pipeline)
    fields = ("visit_date", "commune_code", "address", "people", "services", "outcome", "note",
              "other_service", "team_id", "member_id")
    assert [getattr(first, f) for f in fields] == [getattr(second, f) for f in fields]


@pytest.mark.parametrize(("answer", "correction"), [
    ("hôm kìa nữa", "chưa đọc được ngày"),
    ("31/2", "không phải là ngày có thật"),
    ("6/10/2024", "chưa tới"),
    ("1/8/2024", "đã quá lâu"),
])
async def test_a_wrong_date_is_corrected_and_the_form_stays(pipeline, member, answer, correction):
    await member.send("/ghinhan")
    await member.send(answer)
    assert correction in member.text
    assert "Buổi hướng dẫn vào ngày nào" in member.text  # asked again
    await member.send("hom qua")
    assert "Ở xã (phường) nào" in member.text


async def test_each_answer_is_checked_where_it_is_given(pipeline, member):
    await member.send("/ghinhan")
    await member.press("Hôm nay")
    await member.send("Phường 1")
    assert "không thuộc địa bàn của tổ" in member.text and "Phường Đạo Thạnh" in member.text
    await member.send("phuong dao thanh, tổ 5")  # commune and hamlet in one answer
    assert "Bạn đã hướng dẫn bao nhiêu người" in member.text
    for wrong, correction in (("ba", "một số nguyên"), ("0", "từ 1 đến 200"),
                              ("5000", "từ 1 đến 200")):
        await member.send(wrong)
        assert correction in member.text
        assert member.text.count("bao nhiêu người") == 1  # the question once, after the error
    await member.send("3 người")
    await member.press("Tiếp")
    assert "chọn ít nhất một dịch vụ" in member.text
    await member.send("dvc, bitcoin")
    assert "chưa biết dịch vụ “bitcoin”" in member.text
    await member.send("vneid, khác")
    assert "Dịch vụ khác là gì" in member.text
    await member.send("x" * 300)
    assert "tối đa 200 ký tự" in member.text
    await member.send("Cài ứng dụng ngân hàng")
    await member.send("chưa biết")
    assert "Gõ “xong”" in member.text
    await member.send("can theo doi")
    await member.send("y" * 600)
    assert "tối đa 500 ký tự" in member.text
    await member.press("Bỏ qua")
    await member.send("đây là ảnh")
    assert "gửi ảnh dạng hình ảnh" in member.text
    await member.send("", photo="telegram-file-id-123")
    await member.press("Lưu")
    [visit] = await visits(pipeline)
    assert (visit.visit_date, visit.commune_code, visit.address, visit.people, visit.services,
            visit.other_service, visit.outcome, visit.note, visit.photo) == (
        dt.date(2024, 10, 5), "28249", "tổ 5", 3, 0b1000010, "Cài ứng dụng ngân hàng",
        "follow_up", None, "telegram-file-id-123")


async def test_the_quick_form_lists_every_mistake_at_once(pipeline, member):
    await member.send("/gn hôm nay; Mỹ Phong; 3")
    assert "mình thấy 3 phần" in member.text and "Ví dụ: /gn" in member.text
    await member.send("/gn 40/10; Hà Nội; -2; dvc; xong")
    text = member.text
    assert "Ngày: 40/10 không phải là ngày có thật" in text
    assert "Xã: “Hà Nội” không thuộc địa bàn" in text
    assert "Số người được hướng dẫn: Số người cần là một số nguyên" in text
    assert "Dịch vụ" not in text.split("Bạn sửa giúp mình:")[1].split("Ghi nhanh")[0]
    assert await visits(pipeline) == []
    await member.send("/gn")
    assert "Ghi nhanh:" in member.text


async def test_edit_from_the_summary_and_afterwards_with_sua(pipeline, member):
    await fill_guided(member)
    await member.press("Sửa")
    await member.press("visit:field:people")
    await member.send("6")
    assert "Bạn kiểm tra lại" in member.text and "Số người được hướng dẫn: 6" in member.text
    await member.press("Lưu")
    [saved] = await visits(pipeline)
    await member.send("/sua")  # says which visit it corrects, as it stands, before asking
    named = member.text.split("Bạn muốn sửa phần nào")[0]
    assert f"Bạn đang sửa lượt ghi nhận #{saved.id}" in named
    assert "Số người được hướng dẫn: 6" in named
    await member.press("visit:field:outcome")
    assert member.buttons()[:2] == ["Người dân đã làm được", "Cần quay lại"]  # as exports say
    await member.press("visit:outcome:follow_up")
    assert "bản đã sửa" in member.text and ": Cần quay lại" in member.text
    await member.press("Lưu")
    assert "Đã sửa lượt ghi nhận" in member.text
    [visit] = await visits(pipeline)
    assert (visit.people, visit.outcome) == (6, "follow_up")


async def test_undo_within_the_window_only_and_only_ones_own(pipeline, member, clock):
    await fill_guided(member)
    await member.press("Lưu")
    undo = member.button("Hoàn tác").payload
    stranger = Chat(pipeline)
    await stranger.send("", payload=undo)
    assert "không tìm thấy" in stranger.text
    await member.press("Hoàn tác")
    assert "Đã hoàn tác" in member.text
    [visit] = await visits(pipeline)
    assert visit.deleted_at is not None
    await member.send("/sua")
    assert "chưa ghi nhận buổi nào" in member.text
    await fill_guided(member)
    await member.press("Lưu")
    late_undo = member.button("Hoàn tác").payload
    clock[0] += dt.timedelta(minutes=11)
    await member.send("", payload=late_undo)
    assert "Đã quá thời gian hoàn tác" in member.text


async def test_cancel_leaves_nothing_behind(pipeline, member):
    await member.send("/ghinhan")
    await member.press("Hôm nay")
    await member.send("/huy")
    assert "Đã hủy" in member.text
    await member.send("5")  # no form any more: a question, not the number of people
    assert await visits(pipeline) == []
    await fill_guided(member)
    await member.press("visit:cancel")
    assert await visits(pipeline) == []


async def test_a_half_filled_form_survives_a_restart_on_another_worker(pipeline, member,
                                                                       database_url, clock):
    await member.send("/ghinhan")
    await member.send("hôm nay")
    await member.press("Phường Mỹ Phong")
    # A new process: new engine and pipeline, nothing shared but the database.
    engine = create_engine(database_url)
    try:
        restarted = Chat(Pipeline(pipeline.services, session_factory(engine), clock=lambda: clock[0]),
                         user_id=member.user_id)
        await restarted.send("ấp 1")
        await restarted.send("2")
        await restarted.send("dvc")
        await restarted.send("xong")
        await restarted.press("Bỏ qua")
        await restarted.press("Bỏ qua")
        await restarted.press("Lưu")
    finally:
        await engine.dispose()
    [visit] = await visits(pipeline)
    assert (visit.commune_code, visit.address, visit.people) == ("28273", "ấp 1", 2)


async def test_old_form_buttons_do_nothing_once_the_form_is_closed(pipeline, member):
    await fill_guided(member)
    save = member.button("Lưu").payload
    await member.press("Lưu")
    await member.send("", payload=save)
    assert "Biểu mẫu này đã đóng" in member.text
    assert len(await visits(pipeline)) == 1


async def test_a_former_commune_of_the_teams_area_is_understood_in_the_quick_form(pipeline, member):
    """Tân Mỹ Chánh was a commune of Mỹ Tho; since 1/7/2025 it is part of Phường Mỹ Phong, one of
    the team's communes. "p.5" of Mỹ Tho is part of Phường Đạo Thạnh, the other."""
    await member.send("/gn hôm nay; xa tan my chanh, ấp 2; 2; dvc; xong")
    assert "Phường Mỹ Phong, ấp 2" in member.text
    await member.press("Lưu")
    await member.send("/gn hôm nay; p.5; 1; dvc; xong")
    assert "Phường Đạo Thạnh" in member.text
    await member.press("Lưu")
    assert [v.commune_code for v in await visits(pipeline)] == ["28273", "28249"]
