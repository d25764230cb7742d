"""The same conversation on every channel, written once: start, consent, province, subscribe,
a question without diacritics, an out-of-scope question with the menu, a topic, data deletion.

Each driver talks to the bot the way its platform does (Telegram through python-telegram-bot and
a fake Bot API server, in polling and webhook mode; Zalo through signed webhook events and a fake
OA API) and reads what the platform received."""

from __future__ import annotations

import datetime as dt
import io
from typing import Protocol

import pytest
from sqlalchemy import func, select

from bot.channels.console import ConsoleChannel
from db.models import Subscription, User, Visit
from db.teams import InviteRepository, TeamRepository
from tests.fakes.zalo_api import SentRecord as ZaloRecord
from tests.test_telegram import Bot, bot  # noqa: F401  (fixture)
from tests.zalo_harness import Zalo


class Driver(Protocol):
    async def open(self) -> str: ...
    async def say(self, text: str) -> str: ...
    async def press(self, payload: str) -> str: ...
    def payloads(self) -> list[str]: ...
    async def count(self, model) -> int: ...


class TelegramDriver:
    def __init__(self, target: Bot, user_id: int = 7001) -> None:
        self.bot, self.user_id = target, user_id

    async def _deliver(self, update: dict) -> str:
        """Deliver an update; the text of every reply the bot sent for it (all sent by then)."""
        before = len(self.bot.api.sent_to(self.user_id))
        await self.bot.deliver(update)
        return "\n".join(r.text or "" for r in self.bot.api.sent_to(self.user_id)[before:])

    async def open(self) -> str:
        return await self.say("/start")

    async def say(self, text: str) -> str:
        return await self._deliver(self.bot.api.message_update(self.user_id, text))

    async def press(self, payload: str) -> str:
        assert payload in self.payloads(), f"{payload} not offered: {self.payloads()}"
        return await self._deliver(self.bot.api.callback_update(self.user_id, payload))

    def payloads(self) -> list[str]:
        records = self.bot.api.sent_to(self.user_id)
        markup = next((r.reply_markup for r in reversed(records) if r.reply_markup), None) or {}
        return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]

    async def count(self, model) -> int:
        return await self.bot.count(model)


class ZaloDriver:
    def __init__(self, target: Zalo, user_id: str = "z7001") -> None:
        self.zalo, self.user_id = target, user_id
        self._last: list[ZaloRecord] = []

    def _text(self, records: list[ZaloRecord]) -> str:
        self._last = records  # one reply may take several Zalo messages (buttons beyond 5)
        return "\n".join(r.text or "" for r in records)

    async def open(self) -> str:
        before = len(self.zalo.fake.sent_to(self.user_id))
        await self.zalo.post(self.zalo.fake.follow_event(self.user_id))
        return self._text(self.zalo.fake.sent_to(self.user_id)[before:])

    async def say(self, text: str) -> str:
        return self._text(await self.zalo.say(self.user_id, text))

    async def press(self, payload: str) -> str:
        return self._text(await self.zalo.press(self.user_id, payload))

    def payloads(self) -> list[str]:
        return [b["payload"].removeprefix("#cds:") for r in self._last for b in r.buttons]

    async def count(self, model) -> int:
        return await self.zalo.count(model)


class ConsoleDriver:
    """Types lines as a person at `cdsbot chat` does: a button is pressed by typing its number."""

    def __init__(self, console: ConsoleChannel) -> None:
        self.console = console
        self.out = console.out

    async def _type(self, line: str) -> str:
        start = self.out.tell()
        await self.console.type(line)
        self.out.seek(start)
        return self.out.read()

    async def open(self) -> str:
        return await self._type("/start")

    async def say(self, text: str) -> str:
        return await self._type(text)

    async def press(self, payload: str) -> str:
        assert payload in self.payloads(), f"{payload} not offered: {self.payloads()}"
        return await self._type(str(self.payloads().index(payload) + 1))

    def payloads(self) -> list[str]:
        return [b.payload or "" for b in self.console.buttons]

    async def count(self, model) -> int:
        async with self.console.intake.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
async def console(pipeline):
    channel = ConsoleChannel(pipeline, "c7001", out=io.StringIO())
    await channel.start()
    yield channel
    await channel.stop()


async def run_conversation(d: Driver) -> None:
    assert "Nghị định 13/2023" in await d.open()
    assert "tỉnh, thành phố nào" in await d.press("consent:yes")
    assert "Nghệ An" in await d.press("prov:nghe-an")
    await d.press("sub:menu")
    await d.press("sub:contests")
    assert await d.count(Subscription) == 1
    answer = await d.say("chien dich di tung ngo go tung nha nghe an bat dau tu ngay nao")
    assert "01/10/2024" in answer and "Nguồn:" in answer
    assert "chưa có thông tin" in await d.say("Cuộc thi Hoa hậu Việt Nam diễn ra khi nào?")
    assert "topic:contests" in d.payloads()  # the menu follows the refusal
    assert "Các cuộc thi" in await d.press("topic:contests")
    await d.say("/xoadulieu")
    assert "đã được xoá" in await d.press("erase:yes")
    assert await d.count(User) == 0


async def new_team_code(pipeline) -> str:
    """A team of Phường Mỹ Phong (Đồng Tháp) and its invite code, as an officer would create them."""
    async with pipeline.sessions() as session, session.begin():
        team = await TeamRepository(session).create(name="Tổ CNSCĐ phường Mỹ Phong",
                                                    province="dong-thap", communes=["28273"])
        invite = await InviteRepository(session).create(team, valid_for=dt.timedelta(days=1),
                                                        max_uses=5, now=pipeline.clock())
        return invite.code


async def run_team_member(d: Driver, code: str) -> None:
    """Join a team with its code, log a visit with the guided form, then one with the quick form."""
    assert "Chào mừng" in await d.say(f"/thamgia {code}")
    assert "ngày nào" in await d.say("/ghinhan")
    assert "xã (phường) nào" in await d.press("visit:date:today")
    await d.press("visit:commune:0")
    await d.say("ấp 3")
    assert "dịch vụ nào" in await d.say("4")
    await d.press("visit:svc:dvc")
    await d.press("visit:svc:vneid")
    await d.press("visit:svc:next")
    await d.press("visit:outcome:done")
    await d.press("visit:skip")
    summary = await d.press("visit:skip")
    assert "Mỹ Phong, ấp 3" in summary and "Dịch vụ công trực tuyến" in summary
    assert "Đã lưu" in await d.press("visit:save")
    assert "từ 1 đến 200" in await d.say("/gn hôm nay; Mỹ Phong; 0; vneid; xong")
    assert "Bạn kiểm tra lại" in await d.say("/gn hôm nay; my phong; 2; vneid; xong")
    await d.press("visit:save")
    assert await d.count(Visit) == 2


async def test_conversation_on_telegram(bot: Bot):  # noqa: F811
    await run_conversation(TelegramDriver(bot))


async def test_conversation_on_zalo(zalo: Zalo):
    await run_conversation(ZaloDriver(zalo))


async def test_conversation_on_the_console(console: ConsoleChannel):
    await run_conversation(ConsoleDriver(console))


async def test_team_member_on_telegram(bot: Bot):  # noqa: F811
    await run_team_member(TelegramDriver(bot, user_id=7002), await new_team_code(bot.pipeline))


async def test_team_member_on_zalo(zalo: Zalo):
    await run_team_member(ZaloDriver(zalo, user_id="z7002"), await new_team_code(zalo.pipeline))


async def test_team_member_on_the_console(console: ConsoleChannel):
    await run_team_member(ConsoleDriver(console), await new_team_code(console.intake.pipeline))


@pytest.mark.parametrize("driver", [TelegramDriver, ZaloDriver, ConsoleDriver])
def test_every_driver_follows_the_protocol(driver: type):
    assert all(hasattr(driver, m) for m in ("open", "say", "press", "payloads", "count"))
