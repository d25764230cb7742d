"""The broadcast worker in this process against the fake Telegram and Zalo servers on loopback,
on SQLite and PostgreSQL: exactly-once delivery, the platforms' waits and refusals, schedules,
pause and cancel, progress and the failures export."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import (
    Link,
    cancel,
    count_reachable,
    create_broadcast,
    failures_csv,
    pause,
    resume,
    run_worker,
    status,
    watch_progress,
)
from bot.settings import Settings
from db.models import ChannelIdentity, Delivery, utcnow
from tests.broadcast_helpers import (
    TOKEN,
    add_people,
    delivery_states,
    duplicates,
    telegram_settings,
)
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZalo

Sessions = async_sessionmaker[AsyncSession]
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
"""For what does not depend on the database's SQL (the platforms' answers, rendering)."""



@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(token=TOKEN) as api:
        yield api


async def _status(sessions: Sessions, broadcast_id: int) -> dict:
    async with sessions() as session:
        current = await status(session, broadcast_id)
    assert current is not None
    return current


async def _until(condition: Callable[[], bool], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def _until_state(sessions: Sessions, broadcast_id: int, state: str) -> None:
    deadline = time.monotonic() + 15
    while (await _status(sessions, broadcast_id))["state"] != state:
        assert time.monotonic() < deadline, f"broadcast {broadcast_id} never became {state}"
        await asyncio.sleep(0.05)


class Background:
    """A worker running until told to stop (not until idle)."""

    def __init__(self, settings: Settings, sessions: Sessions) -> None:
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(run_worker(settings, stop_event=self.stop,
                                                   sessions=sessions))

    async def finish(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 15)


async def test_three_thousand_recipients_get_the_message_exactly_once(sessions, database_url,
                                                                      telegram):
    # 15 batches over 16 concurrent senders; bench/broadcast_bench.py sends 100,000 the same way
    chats = await add_people(sessions, 3_000)
    broadcast_id = await create_broadcast(sessions, text="**Ngày Chuyển đổi số** 10/10 <3",
                                          filters=["all"])
    settings = telegram_settings(database_url, telegram.base_url, broadcast_telegram_rate=100_000,
                                 broadcast_batch_size=200, broadcast_concurrency=16)
    stats = await run_worker(settings, until_idle=True, sessions=sessions)
    received = [str(r.chat_id) for r in telegram.sent]
    assert duplicates(received) == {} and sorted(received) == sorted(chats)
    assert stats.sent == 3_000
    assert await _status(sessions, broadcast_id) == {
        "id": broadcast_id, "state": "done", "total": 3_000, "sent": 3_000, "failed": 0,
        "blocked": 0, "pending": 0}
    first = telegram.sent[0]
    assert first.text == "<b>Ngày Chuyển đổi số</b> 10/10 &lt;3" and first.parse_mode == "HTML"


async def test_a_429_is_waited_out_and_not_counted_as_a_failure(sessions, database_url, telegram):
    await add_people(sessions, 12)
    telegram.fail_next("sendMessage", 429, retry_after=2)
    broadcast_id = await create_broadcast(sessions, text="Chào", filters=["all"])
    settings = telegram_settings(database_url, telegram.base_url, broadcast_telegram_rate=1000,
                                 broadcast_concurrency=1)
    await run_worker(settings, until_idle=True, sessions=sessions)
    calls = telegram.calls_of("sendMessage")
    refused, later = calls[0], calls[1:]
    assert len(later) == 12 and min(c.timestamp for c in later) >= refused.timestamp + 2.0
    current = await _status(sessions, broadcast_id)
    assert current["sent"] == 12 and current["failed"] == 0
    async with sessions() as session:
        attempts = set((await session.execute(select(Delivery.attempts))).scalars())
    assert attempts == {1}  # the wait spent no attempt


@SQLITE_ONLY
async def test_a_429_pauses_every_sender_of_the_channel(sessions, database_url, telegram):
    await add_people(sessions, 40)
    telegram.fail_next("sendMessage", 429, retry_after=1)
    await create_broadcast(sessions, text="Chào", filters=["all"])
    settings = telegram_settings(database_url, telegram.base_url, broadcast_telegram_rate=20,
                                 broadcast_concurrency=4)
    await run_worker(settings, until_idle=True, sessions=sessions)
    calls = telegram.calls_of("sendMessage")
    refused = calls[0].timestamp
    # Sends already under way may land just after the 429; nothing starts within the wait.
    assert [c for c in calls[1:] if refused + 0.1 < c.timestamp < refused + 1.0] == []
    assert len({str(r.chat_id) for r in telegram.sent}) == 40


async def test_blocked_and_deactivated_users_are_marked_and_never_retried(sessions, database_url,
                                                                        telegram):
    chats = await add_people(sessions, 20)
    telegram.block_user(int(chats[3]))
    telegram.deactivate_user(int(chats[7]))
    first = await create_broadcast(sessions, text="Một", filters=["all"])
    settings = telegram_settings(database_url, telegram.base_url, broadcast_telegram_rate=1000)
    stats = await run_worker(settings, until_idle=True, sessions=sessions)
    assert (stats.sent, stats.blocked) == (18, 2)
    assert await _status(sessions, first) == {"id": first, "state": "done", "total": 20,
                                              "sent": 18, "failed": 0, "blocked": 2, "pending": 0}
    async with sessions() as session:
        unreachable = set((await session.execute(
            select(ChannelIdentity.chat_id).where(ChannelIdentity.reachable.is_(False))
        )).scalars())
        assert unreachable == {chats[3], chats[7]}
        # real clock: add_people marks everyone as seen now
        assert await count_reachable(session, ["all"], utcnow()) == {"telegram": 18, "zalo": 0}
    second = await create_broadcast(sessions, text="Hai", filters=["all"])
    await run_worker(settings, until_idle=True, sessions=sessions)
    assert (await _status(sessions, second))["total"] == 18
    for chat in (chats[3], chats[7]):
        assert len([c for c in telegram.calls_of("sendMessage")
                    if str(c.params.get("chat_id")) == chat]) == 1


async def test_server_errors_are_retried_with_backoff_then_failed(sessions, database_url,
                                                                  telegram, tmp_path: Path):
    chats = await add_people(sessions, 3)
    telegram.fail_next("sendMessage", 502, times=2)
    settings = telegram_settings(database_url, telegram.base_url, broadcast_telegram_rate=1000,
                                 broadcast_concurrency=1, broadcast_max_attempts=3)
    retried = await create_broadcast(sessions, text="Một", filters=["all"])
    stats = await run_worker(settings, until_idle=True, sessions=sessions)
    assert stats.sent == 3 and stats.retried == 2
    assert (await _status(sessions, retried))["sent"] == 3
    telegram.fail_next("sendMessage", 500, times=9)
    failed = await create_broadcast(sessions, text="Hai", filters=["all"])
    await run_worker(settings, until_idle=True, sessions=sessions)
    assert await delivery_states(sessions, failed) == {"failed": 3}
    assert len(telegram.sent) == 3  # only the first broadcast's
    out = tmp_path / "failures.csv"
    async with sessions() as session:
        assert await failures_csv(session, failed, out) == 3
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["chat_id"] for r in rows} == set(chats)
    assert {(r["state"], r["attempts"]) for r in rows} == {("failed", "3")}
    assert all("Internal Server Error" in r["error"] for r in rows)


@SQLITE_ONLY
async def test_a_bad_request_fails_at_once(sessions, database_url, telegram):
    await add_people(sessions, 2)
    telegram.fail_next("sendMessage", 400, "Bad Request: chat not found")
    broadcast_id = await create_broadcast(sessions, text="Chào", filters=["all"])
    settings = telegram_settings(database_url, telegram.base_url, broadcast_concurrency=1)
    await run_worker(settings, until_idle=True, sessions=sessions)
    assert await delivery_states(sessions, broadcast_id) == {"failed": 1, "sent": 1}


@SQLITE_ONLY
async def test_image_and_link_button_on_telegram(sessions, database_url, telegram):
    await add_people(sessions, 1)
    await create_broadcast(sessions, text="Xem **ảnh**", image_url="https://cds.vn/a.jpg",
                           link=Link("https://cds.vn/dangky", "Đăng ký"), filters=["all"])
    settings = telegram_settings(database_url, telegram.base_url)
    await run_worker(settings, until_idle=True, sessions=sessions)
    (record,) = telegram.sent
    assert record.method == "sendPhoto" and record.params["photo"] == "https://cds.vn/a.jpg"
    assert record.text == "Xem <b>ảnh</b>" and record.parse_mode == "HTML"
    assert record.reply_markup == {"inline_keyboard": [[{"text": "Đăng ký",
                                                         "url": "https://cds.vn/dangky"}]]}


async def test_a_scheduled_broadcast_does_not_go_early(sessions, database_url, telegram):
    await add_people(sessions, 10)
    at = utcnow() + dt.timedelta(seconds=2)  # real clock: the worker's
    broadcast_id = await create_broadcast(sessions, text="Sáng mai", filters=["all"], at=at)
    assert (await _status(sessions, broadcast_id))["state"] == "scheduled"
    settings = telegram_settings(database_url, telegram.base_url, broadcast_telegram_rate=1000)
    worker = Background(settings, sessions)
    await _until_state(sessions, broadcast_id, "done")
    await worker.finish()
    assert len(telegram.sent) == 10
    assert min(r.timestamp for r in telegram.sent) >= at.timestamp()


@SQLITE_ONLY
async def test_until_idle_does_not_wait_for_a_later_broadcast(sessions, database_url, telegram):
    await add_people(sessions, 3)
    later = await create_broadcast(sessions, text="Tuần sau", filters=["all"],
                                   at=utcnow() + dt.timedelta(days=7))  # real clock: the worker's
    settings = telegram_settings(database_url, telegram.base_url)
    await asyncio.wait_for(run_worker(settings, until_idle=True, sessions=sessions), 10)
    assert telegram.sent == [] and (await _status(sessions, later))["pending"] == 3


async def _barrier(sessions: Sessions, telegram: FakeTelegramAPI, text: str) -> None:
    """A one-person broadcast sent after the current one: once it is received, the worker has
    been through its claim loop again and passed every row it held before (its queue is FIFO)."""
    await add_people(sessions, 1, first_chat=9_000_000 + len(telegram.sent), topics=(),
                     province="nghe-an")
    barrier = await create_broadcast(sessions, text=text, filters=["province:nghe-an"])
    await _until_state(sessions, barrier, "done")


def _count(telegram: FakeTelegramAPI, text: str) -> int:
    return sum(1 for record in telegram.sent if record.text == text)


async def _until_settled(sessions: Sessions, telegram: FakeTelegramAPI, broadcast_id: int,
                         text: str) -> int:
    """Wait until no row of the broadcast is claimed and every message received is recorded as
    sent: the worker then holds nothing of it. Returns how many were sent."""
    deadline = time.monotonic() + 30
    while True:
        states = await delivery_states(sessions, broadcast_id)
        if "claimed" not in states and states.get("sent", 0) == _count(telegram, text):
            return states.get("sent", 0)
        assert time.monotonic() < deadline, f"never settled: {states}"
        await asyncio.sleep(0.05)


async def test_cancel_stops_a_broadcast_being_sent(sessions, database_url, telegram):
    await add_people(sessions, 200)
    broadcast_id = await create_broadcast(sessions, text="Dừng lại", filters=["all"])
    settings = telegram_settings(database_url, telegram.base_url, broadcast_telegram_rate=40,
                                 broadcast_batch_size=10, broadcast_concurrency=2)
    worker = Background(settings, sessions)
    await _until(lambda: _count(telegram, "Dừng lại") >= 20)
    async with sessions() as session, session.begin():
        assert await cancel(session, broadcast_id)
    at_cancel = _count(telegram, "Dừng lại")
    await _barrier(sessions, telegram, "Sau khi dừng")
    await worker.finish()  # every message in flight is sent and recorded by now
    settled = _count(telegram, "Dừng lại")
    assert settled - at_cancel <= 10  # at most the rows the worker held (one batch)
    current = await _status(sessions, broadcast_id)
    assert current["state"] == "cancelled" and current["pending"] == 0
    assert current["sent"] == settled  # what went out is recorded as sent
    assert await delivery_states(sessions, broadcast_id) == {"sent": settled,
                                                             "cancelled": 200 - settled}
    async with sessions() as session, session.begin():
        assert not await cancel(session, broadcast_id)  # nothing left to cancel


async def test_pause_holds_a_broadcast_and_resume_finishes_it_exactly_once(sessions, database_url,
                                                                           telegram):
    chats = await add_people(sessions, 120)
    broadcast_id = await create_broadcast(sessions, text="Tạm dừng", filters=["all"])
    settings = telegram_settings(database_url, telegram.base_url, broadcast_telegram_rate=60,
                                 broadcast_batch_size=10, broadcast_concurrency=2)
    worker = Background(settings, sessions)
    await _until(lambda: _count(telegram, "Tạm dừng") >= 10)
    async with sessions() as session, session.begin():
        assert await pause(session, broadcast_id)
    at_pause = _count(telegram, "Tạm dừng")
    await _barrier(sessions, telegram, "Trong lúc tạm dừng (1)")
    held = await _until_settled(sessions, telegram, broadcast_id, "Tạm dừng")  # handed back
    assert held - at_pause <= 10 and held < 120  # at most what was in hand
    await _barrier(sessions, telegram, "Trong lúc tạm dừng (2)")  # and nothing more is claimed
    assert _count(telegram, "Tạm dừng") == held
    assert (await _status(sessions, broadcast_id))["state"] == "paused"
    async with sessions() as session, session.begin():
        assert await resume(session, broadcast_id)
    await _until_state(sessions, broadcast_id, "done")
    await worker.finish()
    received = [str(r.chat_id) for r in telegram.sent if r.text == "Tạm dừng"]
    assert duplicates(received) == {} and sorted(received) == sorted(chats)


@SQLITE_ONLY
async def test_progress_is_reported_to_the_hook_and_to_watchers(sessions, database_url, telegram):
    await add_people(sessions, 300)
    broadcast_id = await create_broadcast(sessions, text="Tiến độ", filters=["all"])
    seen: list[dict] = []
    watched: list[dict] = []
    settings = telegram_settings(database_url, telegram.base_url, broadcast_telegram_rate=150)
    watcher = asyncio.create_task(watch_progress(sessions, broadcast_id,
                                                 lambda _, s: watched.append(s), interval=0.3))
    await run_worker(settings, until_idle=True, sessions=sessions,
                     on_progress=lambda _, s: seen.append(s))
    final = await asyncio.wait_for(watcher, 5)
    assert seen[-1] == final == {"id": broadcast_id, "state": "done", "total": 300, "sent": 300,
                                 "failed": 0, "blocked": 0, "pending": 0}
    assert len(seen) >= 2 and len(watched) >= 3  # in between, not only at the end
    assert all(a["sent"] <= b["sent"] for a, b in zip(watched, watched[1:], strict=False))


# -- Zalo --------------------------------------------------------------------------------------

UNREACHABLE = {"z213": -213, "z227": -227, "z230": -230, "z232": -232, "z244": -244}


@SQLITE_ONLY
async def test_zalo_error_codes_map_to_blocked_failed_and_retried(sessions, database_url):
    async with FakeZalo() as fake:
        access, refresh = fake.issue_tokens()
        await add_people(sessions, 0, channel="zalo",
                         chat_ids=[*UNREACHABLE, "zbad", "zok1", "zok2"])
        for chat, code in UNREACHABLE.items():
            fake.set_user_error(chat, code)
        fake.set_user_error("zbad", -201)
        fake.fail_next(-32)  # the first send is rate limited, then goes through
        broadcast_id = await create_broadcast(
            sessions, text="**Zalo** chào", image_url="https://cds.vn/a.jpg",
            link=Link("https://cds.vn", "Xem"), filters=["all"])
        settings = Settings(
            _env_file=None, database_url=database_url, zalo_app_id="app1",  # type: ignore[call-arg]
            zalo_app_secret="appsecret", zalo_oa_secret_key="oakey", zalo_access_token=access,
            zalo_refresh_token=refresh, zalo_api_base_url=fake.api_base_url,
            zalo_oauth_base_url=fake.oauth_base_url, broadcast_poll_seconds=0.1,
            broadcast_zalo_rate=100)
        await run_worker(settings, until_idle=True, sessions=sessions)
        assert await delivery_states(sessions, broadcast_id) == {"blocked": 5, "failed": 1,
                                                                 "sent": 2}
        assert sorted(r.user_id for r in fake.sent) == ["zok1", "zok2"]
        record = fake.sent[0]
        assert record.text == "Zalo chào" and record.image_url == "https://cds.vn/a.jpg"
        assert record.buttons == [{"title": "Xem", "type": "oa.open.url",
                                   "payload": {"url": "https://cds.vn"}}]
        async with sessions() as session:
            unreachable = set((await session.execute(select(ChannelIdentity.chat_id).where(
                ChannelIdentity.reachable.is_(False)))).scalars())
        assert unreachable == set(UNREACHABLE)
        refusals = [c.body["recipient"]["user_id"] for c in fake.calls
                    if c.response["error"] in UNREACHABLE.values()]
        assert sorted(refusals) == sorted(UNREACHABLE)  # refused once each, never tried again
