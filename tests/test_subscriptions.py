"""Subscriptions (/dangky, /huydangky) and platform events, through the real pipeline and database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.pipeline import Pipeline
from db.models import TOPICS, ChannelIdentity, Subscription
from tests.fakes.chat import Chat


async def subscribed(pipeline: Pipeline) -> list[str]:
    async with pipeline.sessions() as session:
        topics = set((await session.execute(select(Subscription.topic))).scalars())
    return [topic for topic in TOPICS if topic in topics]


async def reachable(pipeline: Pipeline, chat: Chat) -> bool:
    async with pipeline.sessions() as session:
        statement = select(ChannelIdentity.reachable).where(ChannelIdentity.external_id == chat.user_id)
        return bool((await session.execute(statement)).scalar_one())


def at_most_six_buttons(chat: Chat) -> bool:
    return all(len(reply.buttons) <= 6 for reply in chat.last)


async def test_buttons_toggle_a_topic_on_and_off(chat: Chat, pipeline: Pipeline):
    await chat.send("/dangky")
    assert chat.buttons() == ["Thông báo", "Cuộc thi", "Sự kiện", "Khuyến mại", "Tất cả", "Xong"]
    await chat.press("sub:contests")
    assert "✅ Cuộc thi" in chat.buttons() and "Sự kiện" in chat.buttons()
    assert await subscribed(pipeline) == ["contests"]
    await chat.press("sub:contests")
    assert "Cuộc thi" in chat.buttons() and "✅ Cuộc thi" not in chat.buttons()
    assert await subscribed(pipeline) == []


async def test_all_then_done(chat: Chat, pipeline: Pipeline):
    await chat.send("/dangki")
    await chat.press("Tất cả")
    assert chat.buttons()[:4] == ["✅ Thông báo", "✅ Cuộc thi", "✅ Sự kiện", "✅ Khuyến mại"]
    await chat.press("Tất cả")  # pressing again changes nothing
    assert await subscribed(pipeline) == list(TOPICS)
    await chat.press("Xong")
    assert "Thông báo, Cuộc thi, Sự kiện, Khuyến mại" in chat.text
    assert "/huydangky" in chat.text
    assert "Đăng ký nhận tin" in chat.buttons()  # back to the main menu


async def test_done_with_nothing_chosen_says_how_to_subscribe(chat: Chat):
    await chat.send("/dangky")
    await chat.press("sub:done")
    assert "chưa đăng ký" in chat.text and "/dangky" in chat.text


async def test_topics_typed_after_the_command_subscribe_directly(chat: Chat, pipeline: Pipeline):
    await chat.send("/dangky cuoc thi")
    assert "Đã đăng ký nhận tin: Cuộc thi" in chat.text
    assert "✅ Cuộc thi" in chat.buttons()
    assert await subscribed(pipeline) == ["contests"]
    await chat.send("/dangki Sự kiện, khuyến mãi")
    assert await subscribed(pipeline) == ["contests", "events", "promotions"]
    await chat.send("/dangky bong da")
    assert "chưa có chủ đề" in chat.text
    assert await subscribed(pipeline) == ["contests", "events", "promotions"]


async def test_unsubscribing_from_everything(chat: Chat, pipeline: Pipeline):
    await chat.send("/dangky tat ca")
    await chat.send("/huydangky")
    assert await subscribed(pipeline) == []
    assert "/dangky" in chat.text
    await chat.send("/huydangki")
    assert "chưa đăng ký" in chat.text


async def test_my_data_lists_the_topics_and_erasing_removes_them(chat: Chat, pipeline: Pipeline):
    await chat.send("/toi")
    assert "Tin bạn đăng ký nhận: chưa có" in chat.text
    await chat.send("/dangky cuoc thi su kien")
    await chat.send("/toi")
    assert "Tin bạn đăng ký nhận: Cuộc thi, Sự kiện" in chat.text
    await chat.send("/xoadulieu")
    await chat.press("erase:yes")
    async with pipeline.sessions() as session:
        assert (await session.execute(select(func.count(Subscription.id)))).scalar_one() == 0


async def test_start_then_province_offers_subscribing(chat: Chat, pipeline: Pipeline):
    await chat.send("/start")
    await chat.press("consent:yes")
    await chat.press("prov:nghe-an")
    assert "Nghệ An" in chat.text and "nhận tin về thông báo, cuộc thi" in chat.text
    assert at_most_six_buttons(chat)
    await chat.press("Đăng ký nhận tin")
    assert "Bạn muốn nhận tin gì?" in chat.text
    await chat.press("sub:events")
    await chat.press("Xong")
    assert await subscribed(pipeline) == ["events"]


async def test_declining_consent_also_offers_subscribing(chat: Chat):
    await chat.send("/start")
    await chat.press("consent:no")
    assert "Đăng ký nhận tin" in chat.text and at_most_six_buttons(chat)
    await chat.press("sub:menu")
    assert "Xong" in chat.buttons()


async def test_the_main_menu_offers_subscribing_and_links_stay_a_command(chat: Chat):
    await chat.send("/menu")
    assert chat.buttons()[-1] == "Đăng ký nhận tin" and len(chat.buttons()) == 6
    await chat.send("/tailieu")
    assert chat.last and chat.text


async def test_topic_labels_follow_the_language(chat: Chat):
    await chat.send("/lang en")
    await chat.send("/dangky")
    assert chat.buttons() == ["Announcements", "Contests", "Events", "Promotions", "All", "Done"]


async def test_blocking_and_unfollowing_make_the_account_unreachable(chat: Chat, pipeline: Pipeline):
    await chat.send("/dangky cuoc thi")
    assert await chat.send("", event="blocked") == []
    assert not await reachable(pipeline, chat)
    assert await chat.send("", event="unblocked") == []
    assert await reachable(pipeline, chat)
    assert await chat.send("", event="unfollow") == []
    assert not await reachable(pipeline, chat)
    assert await subscribed(pipeline) == ["contests"]  # kept, paused while unreachable


async def test_following_greets_like_start(chat: Chat, pipeline: Pipeline):
    await chat.send("", event="unfollow")
    await chat.send("", event="follow")
    assert await reachable(pipeline, chat)
    assert "Nghị định 13/2023/NĐ-CP" in chat.text
    await chat.press("consent:yes")
    assert "Nghệ An" in chat.buttons()


async def test_unsupported_content_gets_a_polite_reply(chat: Chat):
    await chat.send("", event="unsupported")
    assert chat.text == "Dạ, hiện mình chỉ đọc được tin nhắn chữ. Bạn gõ câu hỏi giúp mình nhé."
    assert "Cuộc thi" in chat.buttons()


async def test_an_unknown_event_is_ignored(chat: Chat):
    assert await chat.send("", event="typing") == []


@pytest.mark.parametrize("word", ["hủy", "HUY", "Dừng", "dung", "stop", "STOP!"])
async def test_opt_out_words_unsubscribe_at_once(chat, word):
    await chat.send("/dangky tat ca")
    await chat.send(word)
    assert "/dangky" in chat.text  # says how to come back
    await chat.send("/toi")
    assert "Tin bạn đăng ký nhận: chưa có" in chat.text


async def test_an_opt_out_word_inside_a_form_stops_the_form_first(chat):
    await chat.send("/dangky tat ca")
    await chat.send("/xoadulieu")  # a conversation waiting for its confirmation
    await chat.send("dừng")
    assert "gõ “hủy” lần nữa" in chat.text
    await chat.send("/toi")
    assert "Cuộc thi" in chat.text  # still subscribed
    await chat.send("hủy")
    await chat.send("/toi")
    assert "Cuộc thi" not in chat.text
