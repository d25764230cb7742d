"""Broadcast workers as real processes (`python -m bot broadcast worker`) sharing one database, with
the fake Bot API in this process: two workers on PostgreSQL share a broadcast and the global rate;
a worker killed with SIGKILL loses nothing; the command line's create, status, list and cancel."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import create_broadcast, status
from bot.cli import main
from db.engine import create_engine, session_factory
from tests.broadcast_helpers import (
    TOKEN,
    add_people,
    duplicates,
    sent_too_early,
    start_worker,
    worker_env,
)
from tests.fakes.telegram_api import FakeTelegramAPI

Sessions = async_sessionmaker[AsyncSession]



@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(token=TOKEN) as api:
        yield api


async def _exit_of(process: subprocess.Popen[str], within: float = 60) -> tuple[int, str]:
    """Wait for a worker without blocking the fake API serving it in this event loop."""
    deadline = time.monotonic() + within
    while process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the worker did not finish: " + (process.communicate()[1] or ""))
        await asyncio.sleep(0.05)
    out, err = process.communicate()
    return process.returncode, out + err


async def _sent_at_least(api: FakeTelegramAPI, count: int, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while len(api.sent) < count:
        assert time.monotonic() < deadline, f"only {len(api.sent)} sent"
        await asyncio.sleep(0.02)


async def _final_status(sessions: Sessions, broadcast_id: int) -> dict:
    async with sessions() as session:
        current = await status(session, broadcast_id)
    assert current is not None
    return current


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)  # several workers on one broadcast: PostgreSQL's job
async def test_two_worker_processes_share_a_broadcast_and_the_global_rate(
        sessions, database_url, telegram, tmp_path: Path):
    rate = 200
    chats = await add_people(sessions, 1200)
    broadcast_id = await create_broadcast(sessions, text="Hai tiến trình", filters=["all"])
    env = worker_env(database_url, telegram.base_url, broadcast_telegram_rate=rate,
                     broadcast_batch_size=40, broadcast_concurrency=8)
    start = time.time()  # real clock: the fake API stamps what it receives with it too
    workers = [start_worker(env, tmp_path, "--until-idle") for _ in range(2)]
    outputs = [await _exit_of(worker) for worker in workers]
    for code, output in outputs:
        assert code == 0, output
    received = [str(r.chat_id) for r in telegram.sent]
    assert duplicates(received) == {} and sorted(received) == sorted(chats)
    # Both took part (each prints what it sent), and together they kept to the rate.
    shares = [int(output.split("sent ")[1].split(",")[0]) for _, output in outputs]
    assert sum(shares) == 1200 and min(shares) > 0, shares
    assert sent_too_early([r.timestamp for r in telegram.sent], start, rate) == []
    assert (await _final_status(sessions, broadcast_id))["state"] == "done"


async def test_a_worker_killed_mid_broadcast_loses_nothing_after_a_restart(
        sessions, database_url, telegram, tmp_path: Path):
    batch = 25
    chats = await add_people(sessions, 600)
    broadcast_id = await create_broadcast(sessions, text="Không mất tin", filters=["all"])
    env = worker_env(database_url, telegram.base_url, broadcast_telegram_rate=150,
                     broadcast_batch_size=batch, broadcast_concurrency=4,
                     broadcast_lease_seconds=2)
    first = start_worker(env, tmp_path)
    await _sent_at_least(telegram, 150)
    os.kill(first.pid, signal.SIGKILL)
    await _exit_of(first)
    sent_before = len(telegram.sent)
    assert sent_before < 600
    code, output = await _exit_of(start_worker(env, tmp_path, "--until-idle"))
    assert code == 0, output
    received = [str(r.chat_id) for r in telegram.sent]
    assert set(received) == set(chats)  # nothing lost
    twice = duplicates(received)
    assert sum(n - 1 for n in twice.values()) <= batch, twice  # only what was in flight
    current = await _final_status(sessions, broadcast_id)
    assert (current["state"], current["sent"], current["pending"]) == ("done", 600, 0)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the same SQL on both
async def test_sigterm_stops_a_worker_gracefully_and_hands_back_its_rows(
        sessions, database_url, telegram, tmp_path: Path):
    await add_people(sessions, 400)
    broadcast_id = await create_broadcast(sessions, text="Dừng êm", filters=["all"])
    env = worker_env(database_url, telegram.base_url, broadcast_telegram_rate=100,
                     broadcast_batch_size=20)
    worker = start_worker(env, tmp_path)
    await _sent_at_least(telegram, 50)
    worker.send_signal(signal.SIGTERM)
    code, output = await _exit_of(worker, 15)
    assert code == 0, output
    current = await _final_status(sessions, broadcast_id)
    assert current["sent"] == len(telegram.sent)  # every message that went out is recorded
    assert current["sent"] + current["pending"] == 400
    from db.models import Delivery

    async with sessions() as session:
        from sqlalchemy import func, select

        claimed = (await session.execute(select(func.count()).select_from(Delivery).where(
            Delivery.state == "claimed"))).scalar()
    assert claimed == 0  # handed back at once, not left to a lease


# -- the command line ---------------------------------------------------------------------------

@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A migrated SQLite database with 30 subscribers, for the commands."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"

    async def prepare() -> None:
        from db.migrate import upgrade

        await upgrade(url)
        engine = create_engine(url)
        await add_people(session_factory(engine), 30, province="nghe-an")
        await engine.dispose()

    asyncio.run(prepare())
    yield {"DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": TOKEN, "LOG_LEVEL": "WARNING",
           "REPORTS_DIR": str(tmp_path / "reports")}


def _cdsbot(env: dict[str, str], *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["broadcast", *args], env=env, input=input)


def test_cli_create_status_list_and_cancel(cli_env):
    created = _cdsbot(cli_env, "create", "--text", "Chào **cả nhà**", "--audience",
                      "province:nghe-an", "--audience", "topic:announcements",
                      "--at", "2099-10-10T08:00", "--yes")
    assert created.exit_code == 0, created.output
    broadcast_id = int(created.stdout.strip().splitlines()[-1])
    assert "telegram: 30 reachable" in created.stderr
    shown = _cdsbot(cli_env, "status", str(broadcast_id), "--json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout) == {"id": broadcast_id, "state": "scheduled", "total": 30,
                                        "sent": 0, "failed": 0, "blocked": 0, "pending": 30}
    listed = _cdsbot(cli_env, "list")
    assert f"#{broadcast_id} scheduled" in listed.stdout and "2099-10-10 08:00" in listed.stdout
    assert "Chào cả nhà" in listed.stdout
    cancelled = _cdsbot(cli_env, "cancel", str(broadcast_id))
    assert cancelled.exit_code == 0 and "cancelled" in cancelled.stdout
    again = _cdsbot(cli_env, "cancel", str(broadcast_id))
    assert again.exit_code == 1 and "is cancelled: nothing to do" in again.output
    assert _cdsbot(cli_env, "status", "999").exit_code == 1


def test_cli_asks_before_creating(cli_env):
    declined = _cdsbot(cli_env, "create", "--text", "Chào", input="n\n")
    assert declined.exit_code == 1 and "Create this broadcast?" in declined.output
    accepted = _cdsbot(cli_env, "create", "--text", "Chào", input="y\n")
    assert accepted.exit_code == 0 and accepted.stdout.strip().splitlines()[-1].isdigit()


@pytest.mark.parametrize(("args", "message"), [
    (["--at", "2020-01-01T08:00"], "is in the past"),
    (["--at", "mai lúc 8 giờ"], "is not a date and time"),
    (["--audience", "topic:weather"], "unknown topic"),
    (["--audience", "province:atlantis"], "unknown province"),
    (["--image", "not-a-url"], "must be an http(s) URL"),
])
def test_cli_refuses_what_it_cannot_send_with_a_clear_message(cli_env, args, message):
    result = _cdsbot(cli_env, "create", "--text", "Chào", "--yes", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
