"""Two questions in one message get two answers, in one reply (Zalo counts every message); a
single question with commas is read whole."""

from __future__ import annotations

import pytest

from bot.pipeline import Pipeline
from db.repositories import QuestionLogRepository
from tests.fakes.chat import INTRODUCTION, Chat

TWO_QUESTIONS = "ngày chuyển đổi số quốc gia là ngày nào, và chủ đề ngày chuyển đổi số năm 2024 là gì?"


def test_each_question_is_matched_to_its_own_entry(services):
    results = services.matcher.match_each(TWO_QUESTIONS)
    answers = [services.content.faq[r.best.faq_id].answer for r in results if r.best]
    assert len(answers) == 2
    assert any("10/10" in a for a in answers) and any("Phổ cập hạ tầng số" in a for a in answers)


@pytest.mark.parametrize("question", [
    "cho em hỏi, ngày chuyển đổi số quốc gia là ngày nào ạ",
    "sáng nay cô ở xã tới nhà, cô bảo có đợt ra quân gì đó, cho tôi hỏi tổ công nghệ số "
    "cộng đồng tiền giang ra quân đến ngày nào",
])
def test_one_question_with_commas_is_read_whole(services, question):
    assert len(services.matcher.match_each(question)) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_both_answers_come_in_one_message(pipeline: Pipeline):
    chat = Chat(pipeline)
    await chat.send(TWO_QUESTIONS)
    assert len(chat.last) == 2 and INTRODUCTION in chat.last[1].text  # one answer, then who we are
    assert "10/10" in chat.text and "Phổ cập hạ tầng số" in chat.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_part_the_plans_do_not_answer_is_said_so(pipeline: Pipeline):
    chat = Chat(pipeline)
    await chat.send("ngày chuyển đổi số quốc gia là ngày nào? chủ đề ngày chuyển đổi số năm 2024 là gì? "
                    "giá vàng hôm nay bao nhiêu?")
    assert "10/10" in chat.text and "Phổ cập hạ tầng số" in chat.text
    assert "chưa có thông tin" in chat.text



@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_unanswered_part_is_logged_for_the_officers(pipeline: Pipeline):
    chat = Chat(pipeline)
    await chat.send("ngày chuyển đổi số quốc gia là ngày nào? chủ đề ngày chuyển đổi số năm 2024 là gì? "
                    "giá vàng hôm nay bao nhiêu?")
    async with pipeline.sessions() as session:
        unanswered = [q.text for q in await QuestionLogRepository(session).unanswered()]
    assert unanswered == ["giá vàng hôm nay bao nhiêu"]
