"""Short follow-ups right after an answer are read with the question before: "còn ở Nghệ An thì
sao?" asks the same about Nghệ An, "còn năm 2024?" about 2024; without a question before they
are read alone."""

from __future__ import annotations

import pytest

from bot.pipeline import Pipeline
from tests.fakes.chat import Chat


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("question", "answered", "follow", "then"), [
    # another province: the same question about it
    ("tổ công nghệ số cộng đồng tiền giang ra quân khi nào", ["20/10/2022"],
     "còn ở nghệ an thì sao", ["Nghệ An", "10/10/2024"]),
    # another year: the same question about it
    ("chủ đề ngày chuyển đổi số năm 2022 là gì", ["cuộc sống tốt đẹp hơn"],
     "còn năm 2024?", ["Phổ cập hạ tầng số"]),
], ids=["province", "year"])
async def test_a_follow_up_asks_the_same_about_what_it_names(pipeline: Pipeline, question, answered,
                                                             follow, then):
    chat = Chat(pipeline)
    await chat.send(question)
    assert all(fact in chat.text for fact in answered)
    await chat.send(follow)
    assert all(fact in chat.text for fact in then)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_another_persons_question_is_not_followed(pipeline: Pipeline):
    fresh = Chat(pipeline)
    await fresh.send("còn năm 2024?")  # nothing before: read alone
    asker, other = Chat(pipeline), Chat(pipeline)
    await asker.send("chủ đề ngày chuyển đổi số năm 2022 là gì")
    await other.send("còn năm 2024?")
    assert other.text == fresh.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_new_short_question_is_not_read_as_a_follow_up(pipeline: Pipeline):
    chat = Chat(pipeline)
    await chat.send("ngày chuyển đổi số quốc gia là ngày nào")
    await chat.send("giá vàng hôm nay")
    assert "10/10" not in chat.text and "chưa có thông tin" in chat.text
    await chat.send("Ngày Quốc khánh là ngày nào?")
    assert "chưa có thông tin" in chat.text
