"""Whole conversations through python-telegram-bot against a fake Bot API server on loopback,
in long-polling and in webhook mode, with the real pipeline and a real SQLite database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from telegram import Update
from telegram.ext import TypeHandler

from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH, TelegramChannel
from bot.pipeline import Pipeline
from bot.platforms.telegram import TelegramPlatform
from bot.settings import Settings
from bot.web import create_web_app
from db.engine import create_engine, session_factory
from db.models import ChannelIdentity, OutboxReply, QuestionLog
from handlers.context import Services
from handlers.messages import Attachment, IncomingMessage, Reply
from tests.conftest import FIXED_NOW, sqlite_database
from tests.fakes.telegram_api import FakeTelegramAPI, SentRecord, visible_text

SECRET = "test-secret_123"


class HandledUpdates:
    """Tells when the channel has finished with an update: a handler in a later PTB group, which
    PTB runs once the channel's own handler has returned (replies sent)."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self._changed = asyncio.Condition()

    def observe(self, channel: TelegramChannel) -> None:
        channel.application.add_handler(TypeHandler(Update, self._record), group=1)

    async def _record(self, update: Update, context: object) -> None:
        async with self._changed:
            self.ids.add(update.update_id)
            self._changed.notify_all()

    async def wait(self, update_id: int, within: float = 30.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: update_id in self.ids), within)


@dataclass
class Bot:
    """The bot under test and a way to deliver updates to it, as Telegram would."""

    api: FakeTelegramAPI
    channel: TelegramChannel
    pipeline: Pipeline
    client: TestClient | None  # webhook mode: our own web server
    handled: HandledUpdates

    async def deliver(self, update: dict, secret: str | None = SECRET) -> int:
        """Deliver an update and return once the bot has finished with it (in both modes)."""
        if self.client is None:
            self.api.queue_update(update)
            await self.handled.wait(update["update_id"])  # stored in the inbox
            await self.channel.intake.idle()  # handled and answered
            return 200
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        response = await self.client.post(WEBHOOK_PATH, data=json.dumps(update), headers=headers)
        await self.channel.intake.idle()
        return response.status

    async def deliver_together(self, updates: list[dict]) -> None:
        """Several updates at once, as one getUpdates answer brings them (polling); a webhook
        gets them one request at a time. Returns once all are handled."""
        if self.client is not None:
            for update in updates:
                await self.deliver(update)
            return
        for update in updates:
            self.api.queue_update(update)
        for update in updates:
            await self.handled.wait(update["update_id"])
        await self.channel.intake.idle()

    async def count(self, model, *where) -> int:
        async with self.pipeline.sessions() as session:
            statement = select(func.count()).select_from(model).where(*where)
            return int((await session.execute(statement)).scalar_one())


class User_:
    """One Telegram user talking to the bot."""

    def __init__(self, bot: Bot, user_id: int) -> None:
        self.bot, self.id = bot, user_id

    @property
    def received(self) -> list[SentRecord]:
        return self.bot.api.sent_to(self.id)

    async def _expect(self, before: int, expected: str) -> SentRecord:
        for _ in range(400):  # up to 10 s: generous for a loaded CI machine
            for record in self.received[before:]:
                labels = [b["text"] for row in (record.reply_markup or {}).get("inline_keyboard", [])
                          for b in row]
                if expected in (record.text or "") or any(expected in label for label in labels):
                    return record
            await asyncio.sleep(0.025)
        texts = [r.text for r in self.received[before:]]
        raise AssertionError(f"{expected!r} not received; got {texts}")

    async def say(self, text: str, expect: str) -> SentRecord:
        before = len(self.received)
        await self.bot.deliver(self.bot.api.message_update(self.id, text))
        return await self._expect(before, expect)

    async def press(self, data: str, expect: str) -> SentRecord:
        buttons = [b for r in self.received if r.reply_markup
                   for row in r.reply_markup["inline_keyboard"] for b in row]
        assert any(b.get("callback_data") == data for b in buttons), f"no button {data}: {buttons}"
        before = len(self.received)
        await self.bot.deliver(self.bot.api.callback_update(self.id, data))
        return await self._expect(before, expect)


@pytest.fixture(params=["polling", "webhook"])
async def bot(request: pytest.FixtureRequest, services: Services, tmp_path: Path,
              migrated_sqlite: Path) -> AsyncIterator[Bot]:
    url = sqlite_database(migrated_sqlite, tmp_path, "tg.sqlite3")
    engine = create_engine(url)
    webhook = request.param == "webhook"
    async with FakeTelegramAPI() as api:
        settings = Settings(
            _env_file=None, database_url=url, telegram_bot_token=api.token,  # type: ignore[call-arg]
            telegram_api_base_url=api.base_url, telegram_file_base_url=api.base_file_url,
            telegram_webhook_url="https://bot.example/webhooks/telegram" if webhook else None,
            telegram_webhook_secret=SECRET if webhook else None)
        sessions = session_factory(engine)
        pipeline = Pipeline(services, sessions, clock=lambda: FIXED_NOW)
        channel = TelegramChannel(settings, pipeline, TelegramPlatform(settings))
        handled = HandledUpdates()
        handled.observe(channel)
        client = None
        if webhook:
            web_app = create_web_app()
            channel.add_routes(web_app)
            client = TestClient(TestServer(web_app))
            await client.start_server()
        await channel.start()
        try:
            yield Bot(api, channel, pipeline, client, handled)
        finally:
            await channel.stop()
            if client is not None:
                await client.close()
            await engine.dispose()


async def test_commands_are_registered_in_vietnamese_and_english(bot: Bot):
    vietnamese = {c["command"]: c["description"] for c in bot.api.commands("vi")}
    english = {c["command"]: c["description"] for c in bot.api.commands("en")}
    assert vietnamese["cuocthi"].startswith("cuộc thi") and english["cuocthi"].startswith("contests")
    assert bot.api.commands("") == bot.api.commands("vi")


async def test_replies_are_shown_exactly_as_written_never_as_markup(bot: Bot):
    an = User_(bot, 1002)
    await an.say("/menu", "Chọn một chủ đề")
    written = "Giải <b>nhất</b> & <nhì> 5 < 10"
    await bot.channel.send("1002", [Reply(written)])
    record = an.received[-1]
    assert record.parse_mode == "HTML" and "<b>" not in record.text
    assert visible_text(record.text, record.parse_mode) == written  # what the person sees


async def test_blocking_marks_the_user_unreachable_and_unblocking_restores(bot: Bot):
    an = User_(bot, 1003)
    await an.say("/menu", "Chọn một chủ đề")
    await bot.deliver(bot.api.my_chat_member_update(1003, "kicked"))
    assert await bot.count(ChannelIdentity, ChannelIdentity.reachable.is_(False)) == 1
    bot.api.unblock_user(1003)
    await bot.deliver(bot.api.my_chat_member_update(1003, "member"))
    assert await bot.count(ChannelIdentity, ChannelIdentity.reachable.is_(True)) == 1


async def test_a_photo_gets_a_polite_text_only_answer(bot: Bot):
    an = User_(bot, 1004)
    before = len(an.received)
    await bot.deliver(bot.api.photo_update(1004))
    await an._expect(before, "chữ")


async def test_a_flooding_user_is_asked_to_slow_down_once(bot: Bot):
    an = User_(bot, 1005)
    for i in range(12):
        await bot.deliver(bot.api.message_update(1005, f"ngay chuyen doi so la ngay nao {i}"))
    await an._expect(0, "nhanh. Bạn chờ")  # every update was handled before deliver returned
    assert sum("nhanh. Bạn chờ" in (r.text or "") for r in an.received) == 1


async def test_a_group_hears_only_commands_and_mentions(bot: Bot):
    group = -5001
    before = len(bot.api.sent_to(group))
    await bot.deliver(bot.api.message_update(2001, "chào cả nhà", chat_id=group, chat_type="supergroup"))
    await bot.deliver(bot.api.message_update(2001, "@cdsbot ngày chuyển đổi số là ngày nào",
                                             chat_id=group, chat_type="supergroup"))
    texts = [r.text for r in bot.api.sent_to(group)[before:]]
    assert len(texts) == 1 and "10/10" in texts[0]


async def test_rate_limited_sends_are_retried(bot: Bot):
    bot.api.fail_next("sendMessage", 429, retry_after=1)
    an = User_(bot, 1006)
    await an.say("ngày chuyển đổi số là ngày nào", "10/10")


async def test_one_users_messages_stay_in_order(bot: Bot):
    an = User_(bot, 1007)
    updates = [bot.api.message_update(1007, text) for text in ["/cuocthi", "/sukien", "/khuyenmai"]]
    await bot.deliver_together(updates)
    heads = [r.text.split("\n")[0] for r in an.received]
    assert heads[:2] == ["Các cuộc thi:", "Sự kiện, chương trình:"]
    assert "Tháng tiêu dùng số" in an.received[2].text  # running on the fixed day, 5/10/2024


# -- webhook security ---------------------------------------------------------------------------

@pytest.fixture
async def webhook_bot(bot: Bot) -> Bot:
    if bot.client is None:
        pytest.skip("webhook only")
    return bot


async def test_webhook_rejects_a_missing_or_wrong_secret(webhook_bot: Bot):
    update = webhook_bot.api.message_update(3001, "ngày chuyển đổi số là ngày nào")
    assert await webhook_bot.deliver(update, secret=None) == 403
    assert await webhook_bot.deliver(update, secret="wrong") == 403
    assert await webhook_bot.count(QuestionLog) == 0
    assert webhook_bot.api.sent_to(3001) == []


async def test_webhook_handles_a_redelivered_update_once(webhook_bot: Bot):
    update = webhook_bot.api.message_update(3002, "ngày chuyển đổi số là ngày nào")
    assert await webhook_bot.deliver(update) == 200
    assert await webhook_bot.deliver(update) == 200
    assert await webhook_bot.count(QuestionLog) == 1
    assert len(webhook_bot.api.sent_to(3002)) == 2  # the answer and the introduction, once


async def test_webhook_answers_malformed_json_with_400_and_keeps_serving(webhook_bot: Bot):
    assert webhook_bot.client is not None
    headers = {SECRET_HEADER: SECRET}
    assert (await webhook_bot.client.post(WEBHOOK_PATH, data=b"{not json", headers=headers)).status == 400
    assert (await webhook_bot.client.post(WEBHOOK_PATH, data=b"[1, 2]", headers=headers)).status == 400
    deep = b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert (await webhook_bot.client.post(WEBHOOK_PATH, data=deep, headers=headers)).status == 400
    odd = b'{"update_id": 2, "message": "not an object"}'
    assert (await webhook_bot.client.post(WEBHOOK_PATH, data=odd, headers=headers)).status == 400
    parts_missing = b'{"update_id": 3, "my_chat_member": {}}'  # found by bench/generated_inputs.py
    assert (await webhook_bot.client.post(WEBHOOK_PATH, data=parts_missing, headers=headers)).status == 200
    assert (await webhook_bot.client.get("/healthz")).status == 200
    an = User_(webhook_bot, 3003)
    await an.say("ngày chuyển đổi số là ngày nào", "10/10")


async def test_webhook_is_registered_with_the_secret(webhook_bot: Bot):
    assert webhook_bot.api.webhook["secret_token"] == SECRET
    assert webhook_bot.api.webhook["url"].endswith("/webhooks/telegram")


# -- sending details ----------------------------------------------------------------------------

async def test_long_payloads_are_kept_server_side(bot: Bot):
    payload = "faq:" + "x" * 100
    data = await bot.channel._callback_data(payload)
    assert data.startswith("p:") and len(data.encode()) <= 64
    restored = await bot.channel._restore_payload(
        IncomingMessage("telegram", "1", "1", payload=data))
    assert restored.payload == payload
    missing = await bot.channel._restore_payload(IncomingMessage("telegram", "1", "1", payload="p:999999"))
    assert missing.payload == "expired:"


async def test_long_replies_are_split_and_files_are_sent(bot: Bot, tmp_path: Path):
    report = tmp_path / "bao-cao.csv"
    report.write_text("xã;lượt\nMỹ Phong;3\n", encoding="utf-8")
    text = "\n\n".join(f"Đoạn {i} <{i}> " + "chữ " * 400 for i in range(6))
    await bot.channel.send("4001", [Reply(text, attachment=Attachment("document", report, "bao-cao.csv"))])
    messages = [r for r in bot.api.sent_to(4001) if r.method == "sendMessage"]
    assert len(messages) > 1 and all(len(r.text) <= 4096 for r in messages)
    assert "&lt;0&gt;" in messages[0].text
    documents = [r for r in bot.api.sent_to(4001) if r.method == "sendDocument"]
    assert documents and documents[0].file_name == "bao-cao.csv"


async def test_a_user_who_blocked_the_bot_is_marked_unreachable_when_sending_fails(bot: Bot):
    an = User_(bot, 4002)
    await an.say("/menu", "Chọn một chủ đề")
    bot.api.block_user(4002)
    await bot.deliver(bot.api.message_update(4002, "ngày chuyển đổi số là ngày nào"))
    assert await bot.count(ChannelIdentity, ChannelIdentity.reachable.is_(False)) == 1
    assert await bot.count(OutboxReply, OutboxReply.sent_at.is_(None)) == 0  # not retried


async def test_polling_restart_redelivery_is_handled_once(bot: Bot):
    if bot.client is not None:
        pytest.skip("polling only")
    update = bot.api.message_update(4003, "ngày chuyển đổi số là ngày nào")
    an = User_(bot, 4003)
    await bot.deliver(update)
    await an._expect(0, "10/10")
    await bot.channel.stop()  # a restart: the new poller may fetch the last update again
    restarted = TelegramChannel(bot.channel.settings, bot.pipeline,
                                TelegramPlatform(bot.channel.settings))
    bot.handled.observe(restarted)
    bot.handled.ids.clear()
    await restarted.start()
    try:
        bot.api.queue_update(update)
        await bot.handled.wait(update["update_id"])
        await restarted.intake.idle()
        assert await bot.count(QuestionLog) == 1
        assert len(bot.api.sent_to(4003)) == 2  # the answer and the introduction, once
    finally:
        await restarted.stop()
