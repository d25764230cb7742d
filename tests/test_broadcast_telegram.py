"""An officer broadcasts from Telegram: composed in chat, sent by the real worker through the fake
Bot API, and the officer's announcement message edited into the final summary."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bot.broadcast import run_worker
from bot.pipeline import utc_now
from bot.settings import Settings
from db.broadcasts.audience import DEFAULT_RULES
from db.models import ChannelIdentity, Role, Subscription, User
from tests.test_telegram import Bot, User_, bot  # noqa: F401  (fixture)

OFFICER, CITIZEN = 8001, 8002


async def people(bot: Bot) -> None:  # noqa: F811
    async with bot.pipeline.sessions() as session, session.begin():
        officer = User(role=int(Role.OFFICER), scope_province="tien-giang")
        citizen = User(province="tien-giang", location_consent=True)
        session.add_all([
            ChannelIdentity(channel="telegram", external_id=str(OFFICER), chat_id=str(OFFICER),
                            user=officer),
            ChannelIdentity(channel="telegram", external_id=str(CITIZEN), chat_id=str(CITIZEN),
                            user=citizen)])
        await session.flush()
        session.add(Subscription(user_id=citizen.id, topic="contests"))


async def test_the_officer_watches_the_broadcast_finish_in_one_edited_message(bot: Bot, tmp_path):  # noqa: F811
    bot.pipeline.services = replace(bot.pipeline.services, broadcast_rules=DEFAULT_RULES)
    # The real worker below reads the real clock ("send now" must be now for it too), so the
    # officer's chat does as well; the clock guard moves both together.
    bot.pipeline.clock = utc_now
    await people(bot)
    officer = User_(bot, OFFICER)
    await officer.say("/thongbao", "Gửi nội dung thông báo")
    await officer.say("**Vòng 2** cuộc thi bắt đầu!", "Thêm ảnh")
    await officer.press("bc:skip", "Thêm nút liên kết")
    await officer.press("bc:skip", "Gửi cho ai")
    await officer.press("bc:aud:topic:contests", "Gửi cho ai")
    await officer.press("bc:done", "Telegram: 1")
    announced = await officer.press("bc:send", "Thông báo #")
    settings = Settings(_env_file=None, database_url="sqlite://",  # type: ignore[call-arg]
                        telegram_bot_token=bot.api.token, telegram_api_base_url=bot.api.base_url,
                        telegram_file_base_url=bot.api.base_file_url,
                        broadcast_telegram_rate=1000, broadcast_poll_seconds=0.1)
    stats = await run_worker(settings, until_idle=True, sessions=bot.pipeline.sessions)
    assert (stats.sent, stats.failed, stats.blocked) == (1, 0, 0)
    [received] = bot.api.sent_to(CITIZEN)
    assert received.text == "<b>Vòng 2</b> cuộc thi bắt đầu!"
    for _ in range(400):  # the tracker looks every 3 s
        edits = [r for r in bot.api.sent_to(OFFICER) if r.method == "editMessageText"]
        if edits and "đã gửi xong" in (edits[-1].text or ""):
            break
        await asyncio.sleep(0.025)
    else:
        raise AssertionError(f"no final edit: {[r.text for r in bot.api.sent_to(OFFICER)]}")
    final = edits[-1]
    assert "Đã gửi 1/1" in final.text and "Mất" in final.text
    assert "Danh sách lỗi (CSV)" in str(final.reply_markup)
    assert final.message_id == announced.message_id  # the same message, edited
    sends_after = [r for r in bot.api.sent_to(OFFICER)
                   if r.method == "sendMessage" and r.message_id > announced.message_id]
    assert sends_after == []  # no flood of new messages
    failures = next(b["callback_data"] for row in final.reply_markup["inline_keyboard"]
                    for b in row if b["callback_data"].startswith("bc:failures:"))
    await officer.press(failures, "không có tin nào gửi lỗi")
