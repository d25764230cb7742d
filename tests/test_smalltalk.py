"""Small talk through the pipeline: answered like a person, saying it is a bot where asked, in the
person's language, never logged as an unanswered question; a greeting in front of a question
does not hide the question."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.pipeline import Pipeline
from content.smalltalk import SmallTalk
from db.models import QuestionLog
from tests.fakes.chat import Chat

SMALL_TALK = ["chào bạn", "Xin chào ạ", "hello", "cám ơn nhé", "cam on ban nhieu", "thanks",
              "oke", "Okkkk", "ok", "dạ vâng ạ", "😀", "👍👍", ":))", "hihi", "tạm biệt nha",
              "bạn là ai", "ai đang trả lời vậy", "ban la nguoi that hay may vay", "bạn giỏi quá",
              "hihi bạn dễ thương ghê", "bot ngu quá", "bạn ngu thế, hỏi mãi không hiểu",
              "tra loi cham qua", "sáng nay bạn khỏe ko", "cam on ban nhieu, giai thich de hieu lam",
              "chúc bạn một ngày vui vẻ nhé 🌸", "thanks b", "Đang nói chuyện với nhân viên thật hay chatbot vậy?"]
NOT_KNOWN = "chưa có thông tin"


async def logged(pipeline: Pipeline) -> int:
    async with pipeline.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(QuestionLog))).scalar_one())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_small_talk_is_answered_like_a_person_and_not_logged(pipeline: Pipeline):
    chat = Chat(pipeline)
    for text in SMALL_TALK:
        replies = await chat.send(text)
        assert replies and NOT_KNOWN not in chat.text, (text, chat.text)
        assert all(r.answer is None or not r.answer.matched for r in replies), text
    assert await logged(pipeline) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_asking_who_answers_says_it_is_an_automated_assistant(pipeline: Pipeline):
    chat = Chat(pipeline)
    await chat.send("người thật hay máy vậy")
    assert "trợ lý tự động" in chat.text and "không phải người thật" in chat.text
    await chat.send("/lang en")
    await chat.send("who are you")
    assert "automated assistant" in chat.text and "not a person" in chat.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_greeting_in_front_of_a_question_does_not_hide_it(pipeline: Pipeline):
    chat = Chat(pipeline)
    await chat.send("chào bạn, cho mình hỏi ngày chuyển đổi số quốc gia là ngày nào")
    assert "10/10" in chat.text
    await chat.send("Cảm ơn ad. Ngày cđs là ngày nào vậy")
    assert "10/10" in chat.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_place_name_alone_is_not_small_talk(pipeline: Pipeline):
    chat = Chat(pipeline)
    await chat.send("ha noi")
    assert "10/10" not in chat.last[0].text  # (the introduction after it names the Day)


@pytest.mark.parametrize("text", ["ngày này là ngày gì", "cảm ơn, cho hỏi chủ đề năm 2024 là gì",
                                  "cảm ơn, tôi muốn đăng ký nhận thông báo", "cảm ơn chủ đề năm 2024",
                                  "chuc nang cua bot la gi"])
def test_thanks_or_a_copula_in_front_of_a_question_is_not_small_talk(text):
    assert SmallTalk.load().kind_of(text) is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_wish_is_wished_back_not_said_goodbye_to(pipeline: Pipeline):
    chat = Chat(pipeline)
    await chat.send("chúc mừng ngày chuyển đổi số")
    assert "chúc bạn cũng vậy" in chat.text and "Tạm biệt" not in chat.text
