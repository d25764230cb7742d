"""With no platform token, an officer rehearses a whole broadcast locally: console users get it
in their console session, demo subscribers in the demo sink, and nothing leaves the machine
(the real worker, on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import io

from bot.broadcast import run_worker
from bot.channels.console import ConsoleChannel
from bot.settings import Settings
from db.broadcasts.formatting import BroadcastMessage
from db.local_deliveries import LocalDeliveries
from db.models import Role
from db.repositories import UserRepository
from tests.team_helpers import subscriber


class Screen(io.StringIO):
    """A console's output that tells when something was printed."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def write(self, text: str) -> int:
        self.changed.set()
        return super().write(text)


async def console(pipeline, user: str) -> ConsoleChannel:
    channel = ConsoleChannel(pipeline, user, out=Screen())
    await channel.start()
    return channel


async def said(channel: ConsoleChannel, line: str) -> str:
    start = channel.out.tell()
    await channel.type(line)
    channel.out.seek(start)
    return channel.out.read()


async def press(channel: ConsoleChannel, payload: str) -> str:
    numbers = [b.payload for b in channel.buttons]
    assert payload in numbers, numbers
    return await said(channel, str(numbers.index(payload) + 1))


async def printed(channel: ConsoleChannel, text: str) -> None:
    """Wait until the console has printed `text` (printed by a background task)."""
    screen = channel.out
    assert isinstance(screen, Screen)

    async def seen() -> None:
        while text not in screen.getvalue():
            screen.changed.clear()
            await screen.changed.wait()
    await asyncio.wait_for(seen(), 30)


async def test_an_officer_rehearses_a_broadcast_to_console_and_demo_users(pipeline):
    assert pipeline.services.broadcast_rules.channels == ("console", "demo", "web")  # no token
    demo = await subscriber(pipeline, "dong-thap", channel="demo")
    alice = await console(pipeline, "alice")
    await said(alice, "/start")
    await press(alice, "consent:yes")
    await press(alice, "prov:dong-thap")
    await said(alice, "/dangky cuoc thi")
    boss = await console(pipeline, "boss")
    await said(boss, "/start")
    async with pipeline.sessions() as session, session.begin():
        identity = await UserRepository(session).find("console", "boss")
        assert identity is not None
        identity.user.role, identity.user.scope_province = int(Role.OFFICER), "dong-thap"
    await said(boss, "/thongbao")
    await said(boss, "Cuộc thi mở vòng 2 từ mai!")
    await press(boss, "bc:skip")
    await press(boss, "bc:skip")
    await press(boss, "bc:aud:topic:contests")
    preview = await press(boss, "bc:done")
    assert "trò chuyện trên máy (console): 1" in preview and "chỉ ghi lại): 1" in preview
    assert "2 người" in preview
    assert "Thông báo #" in await press(boss, "bc:send")

    stats = await run_worker(Settings(_env_file=None), until_idle=True,  # type: ignore[call-arg]
                             sessions=pipeline.sessions)
    assert stats.sent == 2 and stats.failed == 0
    await printed(alice, "📢 Cuộc thi mở vòng 2 từ mai!")  # while her session is open
    async with pipeline.sessions() as session:
        [row] = await LocalDeliveries(session).recent("demo", 10)
    assert row.chat_id == demo.user_id and row.message["text"] == "Cuộc thi mở vòng 2 từ mai!"
    await printed(boss, "đã gửi xong")  # the officer's console prints the final state
    for channel in (alice, boss):
        await channel.stop()
    assert alice.out.getvalue().count("📢") == 1  # shown once


async def test_erasing_my_data_removes_what_was_delivered_to_me(pipeline):
    alice = await console(pipeline, "alice")
    async with pipeline.sessions() as session, session.begin():
        await LocalDeliveries(session).record("console", "alice", BroadcastMessage("Tin cũ"))
    await said(alice, "/xoadulieu")
    assert "đã được xoá" in await press(alice, "erase:yes")
    async with pipeline.sessions() as session:
        assert await LocalDeliveries(session).take_unshown("console", "alice") == []
    await alice.stop()
