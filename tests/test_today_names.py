"""History under today's names, as a citizen meets it: the 34 current provinces to choose from, a
former province's plans for the province it is part of, with a line saying so, the national
content (and why) for a province without plans, and today's names of renamed bodies."""

from __future__ import annotations

from tests.fakes.chat import Chat


async def _choose(chat: Chat, province_payload: str) -> str:
    await chat.send("/start")
    await chat.press("consent:yes")
    return "\n".join(r.text for r in await chat.press(province_payload))


async def test_tinh_offers_the_34_current_provinces_those_with_plans_first(pipeline):
    chat = Chat(pipeline)
    await chat.send("/start")
    replies = await chat.press("consent:yes")
    payloads = [b.payload for r in replies for b in r.buttons]
    assert len(payloads) == 34 and "prov:tien-giang" not in payloads
    assert payloads[:4] == ["prov:dong-thap", "prov:hung-yen", "prov:nghe-an", "prov:quang-ngai"]
    assert "prov:ho-chi-minh" in payloads


async def test_a_citizen_of_dong_thap_gets_the_former_tien_giang_plans_and_is_told_why(pipeline):
    chat = Chat(pipeline)
    assert "Đồng Tháp sẽ được ưu tiên" in await _choose(chat, "prov:dong-thap")
    await chat.send("Sở Thông tin và Truyền thông Tiền Giang tổ chức sự kiện hưởng ứng vào hôm nào")
    answer = chat.text
    assert "10/10/2022" in answer
    assert "Tiền Giang nay thuộc tỉnh Đồng Tháp (từ" in answer
    # The plan named the provincial department of its day; the answer says what it is now.
    assert "Sở Thông tin và Truyền thông nay đã hợp nhất vào Sở Khoa học và Công nghệ" in answer


async def test_a_former_province_typed_by_name_is_stored_as_the_current_one(pipeline):
    chat = Chat(pipeline)
    await chat.send("/start")
    await chat.press("consent:yes")
    await chat.send("thai binh")
    assert "Thái Bình nay thuộc tỉnh Hưng Yên" in chat.text
    await chat.send("/toi")
    assert "Hưng Yên" in chat.text


async def test_a_province_without_plans_gets_the_national_content_and_is_told_so(pipeline):
    chat = Chat(pipeline)
    said = await _choose(chat, "prov:ho-chi-minh")
    assert "chưa có kế hoạch riêng của thành phố Hồ Chí Minh" in said and "cả nước" in said
    await chat.send("ngay chuyen doi so quoc gia la ngay nao")
    assert "10/10" in chat.text and "nay thuộc" not in chat.text


async def test_answers_naming_the_ministry_say_what_it_is_part_of_today(pipeline):
    chat = Chat(pipeline)
    await chat.send("chủ đề ngày chuyển đổi số do ai thông báo")
    assert "Bộ Thông tin và Truyền thông nay đã hợp nhất vào Bộ Khoa học và Công nghệ (từ" in \
        chat.text


async def test_a_question_naming_todays_province_gets_the_plans_of_the_one_it_took_in(pipeline):
    chat = Chat(pipeline)
    await chat.send("cuộc thi tìm hiểu chuyển đổi số đồng tháp")
    assert "Tìm hiểu về Chuyển đổi số tỉnh Tiền Giang" in chat.text
    assert "Tiền Giang nay thuộc tỉnh Đồng Tháp" in chat.text
    await chat.send("cuộc thi tìm hiểu chuyển đổi số đồng nai")  # no plans of Đồng Nai
    assert "chưa có thông tin" in chat.text


async def test_a_province_name_not_known_is_asked_again_not_taken_for_a_question(pipeline):
    chat = Chat(pipeline)
    await chat.send("/start")
    await chat.press("consent:yes")
    await chat.send("xyz")
    assert "chưa nhận ra tỉnh, thành “xyz”" in chat.text and len(chat.buttons()) == 34
    await chat.send("long an")
    assert "Long An nay thuộc tỉnh Tây Ninh" in chat.text
