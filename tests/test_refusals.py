"""An honest "I don't know" still helps: the entries that came near are offered as buttons,
as a question ("Có phải bạn muốn hỏi …?") when the words fit one well."""

from __future__ import annotations

import pytest

from bot.pipeline import Pipeline
from tests.fakes.chat import Chat


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_close_but_unsure_match_is_offered_as_a_question(pipeline: Pipeline):
    # Short and unsure (which theme: the national one, a province's?): refused, but the
    # entry it nearly matched is offered as "did you mean".
    chat = Chat(pipeline)
    await chat.send("chủ đề năm 2024 là gì")
    assert "chưa có thông tin" in chat.text and "Có phải bạn muốn hỏi" in chat.text
    await chat.press(chat.buttons()[0])
    assert "Phổ cập hạ tầng số" in chat.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_question_far_from_every_entry_gets_the_menu_only(pipeline: Pipeline):
    chat = Chat(pipeline)
    await chat.send("giá vàng hôm nay bao nhiêu")
    assert "chưa có thông tin" in chat.text and "Có phải bạn muốn hỏi" not in chat.text
