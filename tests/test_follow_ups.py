"""Short follow-ups right after an answer are read with the question before: "còn ở Nghệ An thì
sao?" asks the same about Nghệ An, "còn năm 2024?" about 2024; without a question before they
are read alone."""

from __future__ import annotations

import pytest

from bot.pipeline import Pipeline
from tests.fakes.chat import Chat


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_another_province_after_a_question_asks_the_same_about_it(pipeline: Pipeline):
    chat = Chat(pipeline)
    await chat.send("tổ công nghệ số cộng đồng tiền giang ra quân khi nào")
    assert "20/10/2022" in chat.text
    await chat.send("còn ở nghệ an thì sao")
    assert "Nghệ An" in chat.text and "10/10/2024" in chat.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_another_year_after_a_question_asks_the_same_about_it(pipeline: Pipeline):
    chat = Chat(pipeline)
    await chat.send("chủ đề ngày chuyển đổi số năm 2022 là gì")
    assert "cuộc sống tốt đẹp hơn" in chat.text
    await chat.send("còn năm 2024?")
    assert "Phổ cập hạ tầng số" in chat.text


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
