"""Whole conversations through the real pipeline and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from bot.pipeline import Pipeline
from db.engine import create_engine, session_factory
from db.models import ChannelIdentity, ConversationState, QuestionLog, Role, User
from handlers.messages import IncomingMessage
from tests.fakes.chat import Chat


async def count(pipeline: Pipeline, model, *where) -> int:
    async with pipeline.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def test_start_consent_province_then_a_question(chat: Chat):
    replies = await chat.send("/start")
    assert "Nghị định 13/2023/NĐ-CP" in chat.text
    assert replies[-1].buttons, "consent is asked with buttons"
    await chat.press("consent:yes")
    assert "Nghệ An" in chat.buttons()
    await chat.press("prov:nghe-an")
    assert "Nghệ An" in chat.text
    await chat.send("chien dich di tung ngo go tung nha nghe an bat dau tu ngay nao")
    assert "01/10/2024" in chat.text
    assert "Nguồn:" in chat.text


async def test_declining_consent_stores_no_location(chat: Chat, pipeline: Pipeline):
    await chat.send("/start")
    await chat.press("consent:no")
    assert await count(pipeline, User, User.province.is_not(None)) == 0
    assert "Cuộc thi" in chat.buttons()  # the menu follows


async def test_a_form_in_progress_survives_a_restart(chat: Chat, pipeline: Pipeline, database_url: str):
    await chat.send("/start")
    await chat.press("consent:yes")  # now waiting for the province
    engine = create_engine(database_url)  # a new process: nothing shared but the database
    try:
        restarted = Chat(Pipeline(pipeline.services, session_factory(engine), clock=pipeline.clock),
                         chat.channel, chat.user_id)
        await restarted.send("Tiền Giang")  # typed, not pressed: the stored step reads it
        # A former province's name: the current one it is part of is stored, and said.
        assert "Tiền Giang nay thuộc tỉnh Đồng Tháp (từ 1 thg 7, 2025)" in restarted.text \
            or "Tiền Giang nay thuộc tỉnh Đồng Tháp" in restarted.text
        async with restarted.pipeline.sessions() as session:
            user = (await session.execute(select(User))).scalar_one()
            assert user.province == "dong-thap"
            assert (await session.execute(select(ConversationState))).first() is None
    finally:
        await engine.dispose()


async def test_a_question_instead_of_consent_is_answered(chat: Chat):
    await chat.send("/start")
    await chat.send("ngày chuyển đổi số quốc gia là ngày nào")
    assert "10/10" in chat.text


async def test_every_question_is_logged(chat: Chat, pipeline: Pipeline):
    await chat.send("Ngày chuyển đổi số quốc gia là ngày nào ạ?")
    await chat.send("giá vàng hôm nay")
    async with pipeline.sessions() as session:
        rows = (await session.execute(select(QuestionLog).order_by(QuestionLog.id))).scalars().all()
    assert [r.matched for r in rows] == [True, False]
    assert rows[0].text == "Ngày chuyển đổi số quốc gia là ngày nào ạ?"  # as written
    assert rows[0].normalized_text == "ngay chuyen doi so quoc gia la ngay nao"
    assert rows[0].faq_id and rows[0].score > 0.5
    assert rows[1].faq_id is None


async def test_the_question_log_keeps_no_personal_data(chat: Chat, pipeline: Pipeline):
    """What /start promises: questions are stored without names, phone numbers or IDs."""
    await chat.send("tôi tên Nguyễn Văn An, sđt 0987654321, email an@gmail.com, CCCD 079123456789,"
                    " địa chỉ 12 Lê Lợi, hỏi về cuộc thi")
    await chat.send("toi ten tran thi hoa so dien thoai 0912345678 muon hoi ve chuyen doi so")
    async with pipeline.sessions() as session:
        rows = (await session.execute(select(QuestionLog).order_by(QuestionLog.id))).scalars().all()
    stored = " ".join(f"{r.text} {r.normalized_text}" for r in rows).lower().split()
    for personal in ("nguyen", "nguyễn", "an", "0987654321", "an@gmail.com", "gmail",
                     "079123456789", "lê", "le", "loi", "tran", "hoa", "0912345678"):
        assert personal not in stored, personal
    assert rows[0].text == ("tôi tên [NAME], sđt [PHONE], email [EMAIL], CCCD [ID], "
                            "địa chỉ [ADDRESS], hỏi về cuộc thi")
    assert rows[0].normalized_text.startswith("toi ten [NAME] so dien thoai [PHONE] email [EMAIL]")
    assert "chuyen doi so" in rows[1].normalized_text  # still useful to officers


async def test_fallback_offers_the_menu(chat: Chat):
    await chat.send("Cuộc thi Hoa hậu Việt Nam diễn ra khi nào?")
    assert "chưa có thông tin" in chat.text
    await chat.press("topic:contests")
    assert "Cuộc thi" in chat.text


async def test_language_switch_is_remembered(chat: Chat):
    await chat.send("/lang en")
    assert "English" in chat.text
    await chat.send("/menu")
    assert "Contests" in chat.buttons()
    await chat.send("/lang")
    await chat.press("lang:vi")
    assert "Cuộc thi" in chat.buttons()


async def test_erasing_data_removes_the_user_and_their_questions(chat: Chat, pipeline: Pipeline):
    await chat.send("/start")
    await chat.press("consent:yes")
    await chat.press("prov:dong-thap")
    await chat.send("cuoc thi tim hieu chuyen doi so tien giang")
    await chat.send("/toi")
    assert "Đồng Tháp" in chat.text
    await chat.send("/xoadulieu")
    await chat.press("erase:yes")
    assert await count(pipeline, User) == 0
    assert await count(pipeline, ChannelIdentity) == 0
    assert await count(pipeline, QuestionLog) == 0
    await chat.send("/toi")  # starts afresh
    assert "chưa lưu" in chat.text


async def test_cancelling_erase_keeps_data(chat: Chat, pipeline: Pipeline):
    await chat.send("/xoadulieu")
    await chat.press("erase:no")
    assert await count(pipeline, User) == 1


async def test_roles_are_checked_on_the_server(chat: Chat, pipeline: Pipeline):
    await chat.send("/hanbaocao")
    assert "chỉ dành cho" in chat.text
    async with pipeline.sessions() as session, session.begin():
        await session.execute(text("UPDATE users SET role = :r"), {"r": int(Role.MEMBER)})
    await chat.send("/hanbaocao")
    assert "Hạn báo cáo" in chat.text


async def test_unknown_command_and_botname_suffix(chat: Chat):
    await chat.send("/khongcolenhnay")
    assert "/khongcolenhnay" in chat.text and chat.buttons()
    await chat.send("/menu@cdsbot")
    assert "Cuộc thi" in chat.buttons()


async def test_typed_topic_word_opens_the_topic(chat: Chat):
    await chat.send("cuoc thi")
    assert "Các cuộc thi" in chat.text


@pytest.mark.parametrize("question, heading", [
    ("co khuyen mai gi ko", "chương trình khuyến mại"), ("có cuộc thi nào không ạ", "Các cuộc thi"),
    ("to cnscd la gi", "Tổ công nghệ số cộng đồng"), ("are there any contests", "Các cuộc thi")])
async def test_a_topic_asked_as_a_question_opens_the_topic(chat: Chat, question, heading):
    await chat.send(question)  # typed on a phone, the topic in a question frame
    assert heading in chat.text.split("\n")[0] and "xin lỗi" not in chat.text


async def test_bad_input_gets_a_clear_answer(chat: Chat):
    await chat.send("")
    assert "gõ câu hỏi" in chat.text
    await chat.send("🎉🎉🎉")
    assert chat.buttons()
    await chat.send("'; DROP TABLE users; --")
    assert "chưa có thông tin" in chat.text
    await chat.send("ngày chuyển đổi số là ngày nào " + "a" * 10_000)
    assert "4.000" in chat.last[0].text  # says it read only the first part
    await chat.send("ngay\x00 chuyen\x07 doi so\u200b la ngay nao")
    assert "10/10" in chat.text


async def test_a_stale_button_is_answered_politely(chat: Chat):
    replies = await chat.pipeline.process(IncomingMessage("test", chat.user_id, chat.user_id,
                                                          text="x", payload="nosuch:thing"))
    assert "hết hạn" in replies[0].text
    replies = await chat.pipeline.process(IncomingMessage("test", chat.user_id, chat.user_id,
                                                          text="x", payload="faq:no-such-entry"))
    assert replies[0].buttons


async def test_a_database_failure_gets_an_apology_and_saves_nothing(chat: Chat, pipeline: Pipeline):
    await chat.send("/menu")
    async with pipeline.sessions() as session, session.begin():
        await session.execute(text("DROP TABLE question_log"))
    replies = await chat.send("ngày chuyển đổi số là ngày nào")
    assert "sự cố" in replies[0].text
    async with pipeline.sessions() as session:
        user = (await session.execute(select(User))).scalar_one()
        assert user is not None  # the earlier message's data is intact


async def test_group_messages_not_addressed_to_the_bot_are_ignored(pipeline: Pipeline):
    msg = IncomingMessage("test", "u9", "g1", text="chào cả nhà", is_group=True, addressed=False)
    assert await pipeline.process(msg) == []
    assert await count(pipeline, User) == 0


async def test_a_refused_near_miss_offers_the_near_entry(chat: Chat):
    await chat.send("lễ phát động ngày chuyển đổi số nghệ an tổ chức ở đâu")
    assert "chưa có thông tin" in chat.text
    related = [b for b in chat.last[0].buttons if (b.payload or "").startswith("faq:")]
    assert related
    await chat.press(related[0].payload)
    assert "10/10/2024" in chat.text


async def test_an_unknown_account_leaving_stores_nothing(pipeline: Pipeline):
    assert await pipeline.process(IncomingMessage("test", "ghost", "ghost", event="blocked")) == []
    assert await count(pipeline, User) == 0
