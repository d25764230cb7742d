"""The fake Bot API must behave like Telegram as seen through python-telegram-bot's real Bot."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)

from tests.fakes.telegram_api import FakeTelegramAPI

TOKEN = "123:ABC"


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(token=TOKEN, username="cdsbot") as fake:
        yield fake


@pytest.fixture
async def bot(api: FakeTelegramAPI) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as real_bot:
        yield real_bot


async def test_get_me(bot: Bot, api: FakeTelegramAPI) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "cdsbot" and me.id == 123
    assert me.can_join_groups is True
    assert api.calls[0].method == "getMe"  # `async with bot` initializes with getMe


async def test_wrong_token_is_invalid_token(api: FakeTelegramAPI) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=api.base_url):
            pass


async def test_send_message_with_inline_keyboard(bot: Bot, api: FakeTelegramAPI) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Có", callback_data="yes"),
                                    InlineKeyboardButton("Web", url="https://dx.gov.vn")]])
    first = await bot.send_message(42, "<b>Xin chào</b> &amp; chào", parse_mode="HTML",
                                   reply_markup=markup)
    second = await bot.send_message(42, "lần hai")
    assert first.text == "Xin chào & chào" and first.chat.type == "private"
    assert second.message_id == first.message_id + 1
    assert first.reply_markup == markup
    record = api.sent_to(42)[0]
    assert record.reply_markup == markup.to_dict() and record.parse_mode == "HTML"
    assert api.texts(42) == ["<b>Xin chào</b> &amp; chào", "lần hai"]
    assert (await api.wait_for(lambda r: r.text == "lần hai")).message_id == second.message_id


async def test_wait_for_times_out_with_listing(bot: Bot, api: FakeTelegramAPI) -> None:
    await bot.send_message(42, "something else")
    with pytest.raises(TimeoutError, match="something else"):
        await api.wait_for(lambda r: r.text == "never", timeout=0.05)


async def test_blocked_and_deactivated_users_are_forbidden(bot: Bot, api: FakeTelegramAPI) -> None:
    api.block_user(42)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(42, "hi")
    api.deactivate_user(43)
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_chat_action(43, "typing")
    assert api.sent == []


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_fail_next_429_is_retry_after(bot: Bot, api: FakeTelegramAPI) -> None:
    api.fail_next("sendMessage", 429, retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as excinfo:
            await bot.send_message(42, "hi")
        retry_after = excinfo.value.retry_after  # int in 22.x unless PTB_TIMEDELTA is set
        assert (retry_after.total_seconds() if isinstance(retry_after, dt.timedelta)
                else retry_after) == 7
    await bot.send_message(42, "hi")
    assert api.texts(42) == ["hi"]


async def test_bad_requests(bot: Bot, api: FakeTelegramAPI) -> None:
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(42, "a" * 4097)
    await bot.send_message(42, "a" * 4096)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(42, "  ")
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(42, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(42, "<div>x</div>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(42, "1 < 2", parse_mode="HTML")


async def test_callback_data_limit_is_64_bytes(bot: Bot, api: FakeTelegramAPI) -> None:
    ok = InlineKeyboardMarkup.from_button(InlineKeyboardButton("ok", callback_data="x" * 64))
    await bot.send_message(42, "fits", reply_markup=ok)
    # 22 Vietnamese letters of 3 bytes each: 22 characters but 66 bytes.
    too_long = InlineKeyboardMarkup.from_button(InlineKeyboardButton("no", callback_data="ế" * 22))
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(42, "too long", reply_markup=too_long)


async def test_edit_message_text_and_not_modified(bot: Bot, api: FakeTelegramAPI) -> None:
    sent = await bot.send_message(42, "v1")
    edited = await bot.edit_message_text("v2", chat_id=42, message_id=sent.message_id)
    assert isinstance(edited, type(sent)) and edited.text == "v2"
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("v2", chat_id=42, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("v3", chat_id=42, message_id=999)


async def test_get_updates_offset_semantics(bot: Bot, api: FakeTelegramAPI) -> None:
    first = api.queue_update(api.message_update(7, "/start"))
    api.queue_update(api.callback_update(7, "menu:1"))
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first["update_id"], first["update_id"] + 1]
    assert updates[0].message.text == "/start"
    assert updates[0].message.entities[0].type == "bot_command"
    assert updates[1].callback_query.data == "menu:1"
    # The offset confirms the first update: it is never returned again.
    again = await bot.get_updates(offset=first["update_id"] + 1, timeout=0)
    assert [u.update_id for u in again] == [first["update_id"] + 1]
    assert await bot.get_updates(offset=first["update_id"] + 2, timeout=1) == ()


async def test_update_builders_parse_in_ptb(bot: Bot, api: FakeTelegramAPI) -> None:
    mention = Update.de_json(api.message_update(7, "hi @cdsbot 😀", chat_id=-100123,
                                                chat_type="supergroup"), bot)
    assert mention.message.parse_entities() == {mention.message.entities[0]: "@cdsbot"}
    assert mention.effective_chat.type == "supergroup"
    kicked = Update.de_json(api.my_chat_member_update(8, "kicked"), bot)
    assert kicked.my_chat_member.new_chat_member.status == "kicked"
    photo = Update.de_json(api.photo_update(9, caption="ảnh"), bot)
    assert photo.message.photo and photo.message.caption == "ảnh"
    with pytest.raises(Forbidden):  # a user who blocked the bot can no longer be messaged
        await bot.send_message(8, "hi")


async def test_webhook_makes_get_updates_conflict(bot: Bot, api: FakeTelegramAPI) -> None:
    assert await bot.set_webhook("https://example.org/tg", secret_token="s3cret",
                                 allowed_updates=["message", "callback_query"])
    assert api.webhook["secret_token"] == "s3cret"
    info = await bot.get_webhook_info()
    assert info.url == "https://example.org/tg" and info.allowed_updates == (
        "message", "callback_query")
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)
    api.queue_update(api.message_update(7, "hi"))
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates(timeout=0) == ()


async def test_send_document_records_filename(bot: Bot, api: FakeTelegramAPI) -> None:
    data = b"%PDF-1.4 fake"
    message = await bot.send_document(42, InputFile(io.BytesIO(data), filename="lich.pdf"),
                                      caption="Lịch")
    assert message.document.file_name == "lich.pdf"
    record = api.sent_to(42)[0]
    assert (record.method, record.file_name, record.file_size, record.text) == (
        "sendDocument", "lich.pdf", len(data), "Lịch")
    photo = await bot.send_photo(42, io.BytesIO(b"\x89PNG...."))
    assert photo.photo and api.sent[-1].method == "sendPhoto"


async def test_set_my_commands_per_language(bot: Bot, api: FakeTelegramAPI) -> None:
    await bot.set_my_commands([BotCommand("start", "Bắt đầu")], language_code="vi")
    await bot.set_my_commands([BotCommand("start", "Start")])
    assert api.commands("vi") == [{"command": "start", "description": "Bắt đầu"}]
    assert (await bot.get_my_commands(language_code="vi"))[0].description == "Bắt đầu"
    assert (await bot.get_my_commands())[0].description == "Start"
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Command", "x")])


async def test_unknown_method_and_answer_callback(bot: Bot, api: FakeTelegramAPI) -> None:
    assert await bot.answer_callback_query("123", text="OK")
    with pytest.raises(EndPointNotFound):  # 404 after initialization; InvalidToken before
        await bot.do_api_request("noSuchMethod")
    assert api.calls_of("answerCallbackQuery")[0].params["text"] == "OK"
