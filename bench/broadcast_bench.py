"""Broadcast benchmark: the outbox pipeline's speed, the global rate limit's accuracy, and the memory
used to create a very large broadcast, side by side in one run.

(a) throughput: N recipients (default 100,000) against the fake Bot API with no limit (the worker's
    rate set to 10^6/s): messages per second of the whole pipeline, from create_broadcast (INSERT …
    SELECT of the delivery rows) through the worker (claim, rate gate, python-telegram-bot send,
    record) until the broadcast is done, on SQLite and on PostgreSQL. Every recipient must have
    received the message exactly once (checked at the fake).
(b) rate accuracy: the worker's rate set to --rate (30/s) for --seconds (60 s): messages the fake
    received in the --seconds after the first one, divided by rate × seconds.
(c) memory: peak resident memory of a fresh process that creates a broadcast to M recipients
    (default 1,000,000); the rows are written by the database, never loaded into Python.

The fake Bot API (tests/fakes/telegram_api.py) runs in a process of its own, as the real one is
elsewhere; the worker runs in this process, one worker, as `cdsbot broadcast worker` would. Users
are generated in the database by INSERT … SELECT (one Telegram identity and one subscription each).

    .venv/bin/python bench/broadcast_bench.py [--recipients 100000] [--rate 30] [--seconds 60]
        [--memory-recipients 1000000] [--databases sqlite,postgres] [--skip a,b,c]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
from benchlib import postgres_database, spawn_fake_api  # noqa: E402

ROOT = SCRIPT.parent.parent
TOKEN = "123:ABC"
FIRST_CHAT = 10_000_000
UNLIMITED = 1_000_000.0
"""Messages/s for the throughput run: far above what anything here reaches."""
BATCH, CONCURRENCY = 500, 16
"""Worker settings for the throughput run (rows held per worker, sends in flight)."""


# -- the fake Bot API in its own process ---------------------------------------------------------

def fake_api_main() -> None:
    """`--fake-api`: serve the fake Bot API; print its port; on "dump", print what it received
    (sendMessage count, distinct chats, timestamps when asked) and forget it."""
    from tests.fakes.telegram_api import FakeTelegramAPI

    async def serve() -> None:
        async with FakeTelegramAPI(token=TOKEN) as api:
            print(json.dumps({"port": api.port}), flush=True)
            loop = asyncio.get_running_loop()
            while command := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
                sent = [r for r in api.sent if r.method == "sendMessage"]
                report: dict[str, Any] = {"count": len(sent),
                                          "chats": len({r.chat_id for r in sent})}
                if command == "dump-times":
                    report["times"] = [r.timestamp for r in sent]
                print(json.dumps(report), flush=True)
                api.sent.clear()
                api.calls.clear()
                api.messages.clear()

    asyncio.run(serve())


@dataclass
class RemoteFake:
    process: asyncio.subprocess.Process
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def dump(self, times: bool = False) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(b"dump-times\n" if times else b"dump\n")
        await self.process.stdin.drain()
        report: dict[str, Any] = json.loads(await self.process.stdout.readline())
        return report


async def start_fake(stack: AsyncExitStack) -> RemoteFake:
    process, hello = await spawn_fake_api(SCRIPT, stack)
    return RemoteFake(process, hello["port"])


# -- databases and people --------------------------------------------------------------------------

async def fresh_database(stack: AsyncExitStack, kind: str, name: str) -> str:
    from db.migrate import upgrade

    if kind == "postgres":
        url = await postgres_database(stack, f"bcbench_{name}")
    else:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bcbench-")))
        url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    await upgrade(url)
    return url


def _numbers(url: str, count: int) -> str:
    """SQL giving the rows x = 1..count."""
    if url.startswith("sqlite"):
        return (f"(WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq "
                f"WHERE x < {count}) SELECT x FROM seq) AS numbers")
    return f"generate_series(1, {count}) AS numbers(x)"


async def add_subscribers(url: str, count: int) -> None:
    """`count` users, each with a reachable Telegram identity and one subscription, written by
    the database itself (the bench process never holds them)."""
    from sqlalchemy import text

    from db.engine import create_engine
    from db.models import utcnow

    engine = create_engine(url)
    now = utcnow().isoformat(sep=" ") if url.startswith("sqlite") else utcnow()
    try:
        async with engine.begin() as conn:
            params = {"now": now}
            await conn.execute(text(
                "INSERT INTO users (created_at, last_seen_at, location_consent, role, is_demo) "
                f"SELECT :now, :now, false, 0, false FROM {_numbers(url, count)}"), params)
            await conn.execute(text(
                "INSERT INTO channel_identities (user_id, channel, external_id, chat_id, reachable,"
                " created_at, last_message_at) SELECT id, 'telegram', CAST(id + "
                f"{FIRST_CHAT} AS TEXT), CAST(id + {FIRST_CHAT} AS TEXT), true, :now, :now "
                "FROM users"), params)
            await conn.execute(text("INSERT INTO subscriptions (user_id, topic, created_at) "
                                    "SELECT id, 'announcements', :now FROM users"), params)
    finally:
        await engine.dispose()


def settings_for(url: str, fake: RemoteFake, rate: float) -> Any:
    from bot.settings import Settings

    return Settings(_env_file=None, database_url=url, telegram_bot_token=TOKEN,  # type: ignore[call-arg]
                    telegram_api_base_url=fake.base_url, broadcast_telegram_rate=rate,
                    broadcast_batch_size=BATCH, broadcast_concurrency=CONCURRENCY,
                    broadcast_poll_seconds=0.2)


# -- (a) throughput --------------------------------------------------------------------------------

@dataclass
class Throughput:
    database: str
    recipients: int
    create_seconds: float
    total_seconds: float
    received: int
    distinct: int

    @property
    def per_second(self) -> float:
        return self.recipients / self.total_seconds


async def throughput(kind: str, recipients: int) -> Throughput:
    from bot.broadcast import create_broadcast, run_worker
    from db.engine import create_engine, session_factory

    async with AsyncExitStack() as stack:
        url = await fresh_database(stack, kind, "a")
        await add_subscribers(url, recipients)
        fake = await start_fake(stack)
        engine = create_engine(url)
        stack.push_async_callback(engine.dispose)
        sessions = session_factory(engine)
        settings = settings_for(url, fake, UNLIMITED)
        start = time.perf_counter()
        await create_broadcast(sessions, text="**Ngày Chuyển đổi số quốc gia** 10/10",
                               filters=["all"])
        created = time.perf_counter()
        stats = await run_worker(settings, until_idle=True, sessions=sessions)
        end = time.perf_counter()
        report = await fake.dump()
        assert stats.sent == recipients, stats
        return Throughput(kind, recipients, created - start, end - start, report["count"],
                          report["chats"])


# -- (b) rate accuracy -----------------------------------------------------------------------------

@dataclass
class RateAccuracy:
    database: str
    rate: float
    seconds: float
    in_window: int
    busiest_second: int

    @property
    def ratio(self) -> float:
        return self.in_window / (self.rate * self.seconds)


async def rate_accuracy(kind: str, rate: float, seconds: float) -> RateAccuracy:
    from bot.broadcast import create_broadcast, run_worker
    from db.engine import create_engine, session_factory

    async with AsyncExitStack() as stack:
        url = await fresh_database(stack, kind, "b")
        await add_subscribers(url, int(rate * (seconds + 10)))
        fake = await start_fake(stack)
        engine = create_engine(url)
        stack.push_async_callback(engine.dispose)
        sessions = session_factory(engine)
        await create_broadcast(sessions, text="Nhắc lịch", filters=["all"])
        stop = asyncio.Event()
        worker = asyncio.create_task(run_worker(settings_for(url, fake, rate), stop_event=stop,
                                                sessions=sessions))
        await asyncio.sleep(seconds + 5)  # start-up, then more than the window
        stop.set()
        await worker
        times = sorted((await fake.dump(times=True))["times"])
    first = times[0]
    window = [t for t in times if t < first + seconds]
    return RateAccuracy(kind, rate, seconds, len(window), busiest(window))


def busiest(times: list[float]) -> int:
    """The most sends in any one-second window."""
    best, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= 1.0:
            first += 1
        best = max(best, last - first + 1)
    return best


# -- (c) memory ------------------------------------------------------------------------------------

def create_only_main(url: str) -> None:
    """`--create-only URL`: create one broadcast to everyone; print the peak memory (MB)
    before and after."""
    from bot.broadcast import create_broadcast
    from db.engine import create_engine, session_factory

    async def create() -> dict[str, float]:
        engine = create_engine(url)
        sessions = session_factory(engine)
        async with sessions() as session:  # warm up: connect, load the models
            from sqlalchemy import text

            await session.execute(text("SELECT 1"))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start = time.perf_counter()
        broadcast_id = await create_broadcast(sessions, text="Một triệu người", filters=["all"])
        seconds = time.perf_counter() - start
        async with sessions() as session:
            from db.broadcasts.reporting import status

            total = (await status(session, broadcast_id) or {}).get("total", 0)
        await engine.dispose()
        return {"before_mb": before, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                / 1024, "seconds": seconds, "total": total}

    print(json.dumps(asyncio.run(create())))


@dataclass
class Memory:
    database: str
    recipients: int
    before_mb: float
    peak_mb: float
    seconds: float


async def memory(kind: str, recipients: int) -> Memory:
    async with AsyncExitStack() as stack:
        url = await fresh_database(stack, kind, "c")
        await add_subscribers(url, recipients)
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(SCRIPT), "--create-only", url, stdout=asyncio.subprocess.PIPE)
        out, _ = await process.communicate()
        result = json.loads(out)
        assert result["total"] == recipients, result
        return Memory(kind, recipients, result["before_mb"], result["peak_mb"], result["seconds"])


# -- report ----------------------------------------------------------------------------------------

def report(runs: list[Throughput], rates: list[RateAccuracy], memories: list[Memory]) -> None:
    if runs:
        print(f"\n(a) throughput, no platform limit (one worker: batch {BATCH}, {CONCURRENCY} "
              "sends in flight; the fake API in its own process)")
        print(f"{'store':<11} {'recipients':>10} {'create s':>9} {'total s':>8} {'msg/s':>7} "
              f"{'received':>9} {'distinct':>9}  target >= 2,000/s, exactly once")
        for r in runs:
            once = r.received == r.distinct == r.recipients
            print(f"{r.database:<11} {r.recipients:>10,} {r.create_seconds:>9.1f} "
                  f"{r.total_seconds:>8.1f} {r.per_second:>7,.0f} {r.received:>9,} "
                  f"{r.distinct:>9,}  {'met' if r.per_second >= 2000 and once else 'NOT met'}")
    if rates:
        print("\n(b) rate accuracy")
        print(f"{'store':<11} {'limit/s':>8} {'seconds':>8} {'sent':>6} {'achieved/s':>11} "
              f"{'ratio':>6} {'busiest 1 s':>12}  target ratio >= 0.98")
        for b in rates:
            print(f"{b.database:<11} {b.rate:>8.0f} {b.seconds:>8.0f} {b.in_window:>6} "
                  f"{b.in_window / b.seconds:>11.2f} {b.ratio:>6.3f} {b.busiest_second:>12}  "
                  f"{'met' if b.ratio >= 0.98 else 'NOT met'}")
    if memories:
        print("\n(c) peak memory of a fresh process creating one broadcast")
        print(f"{'store':<11} {'recipients':>10} {'before MB':>10} {'peak MB':>8} {'create s':>9}"
              "  target < 300 MB")
        for m in memories:
            print(f"{m.database:<11} {m.recipients:>10,} {m.before_mb:>10.0f} {m.peak_mb:>8.0f} "
                  f"{m.seconds:>9.1f}  {'met' if m.peak_mb < 300 else 'NOT met'}")


async def bench(args: argparse.Namespace) -> None:
    databases = [d for d in args.databases.split(",") if d]
    skip = set(args.skip.split(","))
    runs = [await throughput(d, args.recipients) for d in databases] if "a" not in skip else []
    rates = ([await rate_accuracy(databases[-1], args.rate, args.seconds)]
             if "b" not in skip else [])
    memories = ([await memory(d, args.memory_recipients) for d in databases]
                if "c" not in skip else [])
    report(runs, rates, memories)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--recipients", type=int, default=100_000, help="(a) recipients")
    parser.add_argument("--rate", type=float, default=30.0, help="(b) the limit, messages/s")
    parser.add_argument("--seconds", type=float, default=60.0, help="(b) the window measured")
    parser.add_argument("--memory-recipients", type=int, default=1_000_000, help="(c) recipients")
    parser.add_argument("--databases", default="sqlite,postgres",
                        help="sqlite and/or postgres (a temporary database at TEST_POSTGRES_URL);"
                             " (b) runs on the last one")
    parser.add_argument("--skip", default="", help="parts to leave out, e.g. b,c")
    parser.add_argument("--fake-api", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--create-only", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # tests.fakes is not an installed package
    if args.fake_api:
        fake_api_main()
    elif args.create_only:
        create_only_main(args.create_only)
    else:
        if not (1 <= args.recipients <= 2_000_000 and 1 <= args.memory_recipients <= 5_000_000
                and 0 < args.rate <= 1000 and 1 <= args.seconds <= 600):
            parser.error("keep to 1-2,000,000 recipients, 1-5,000,000 for memory, a rate of "
                         "0-1000/s and 1-600 seconds")
        asyncio.run(bench(args))


if __name__ == "__main__":
    main()
