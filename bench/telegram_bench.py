"""Telegram webhook benchmark: our full pipeline side by side with a minimal PTB echo bot.

Each bot runs in turn in this process, behind a real aiohttp server on loopback, replying to the
fake Bot API server of the tests (tests/fakes/telegram_api.py) in a process of its own:

- echo: a python-telegram-bot Application (updater(None)) with one MessageHandler that sends the
  text back with send_message, behind one aiohttp route that checks the same secret header,
  parses the update and awaits `process_update`, as ours does; PTB's default httpx transport;
- ours: TelegramChannel in webhook mode on the project's web app (bot/web.py), the real Pipeline
  with the shipped content and a fresh, migrated database (SQLite file or PostgreSQL);
- echo-aiohttp: the same echo bot on our aiohttp transport (bot/channels/telegram_http.py).

All use the same AIORateLimiter settings (overall rate RATE_LIMIT, far above what any reaches, so
it is never the bottleneck) and pool size. Load comes from a second process (this script with
`--load`): `--concurrency` connections each posting its next update as soon as the previous one
is answered. Every update comes from its own user and chat, so per-user ordering serialises
nothing and a reply is matched to its update by chat id. Latency = POST sent to the bot's last
reply for that chat reaching the fake API (SentRecord.timestamp; both processes read the same
wall clock). Warm-up updates are excluded. The bots take turns in `--rounds` rounds and the
ratios are taken within each round (the machine's speed drifts), then their median.

    .venv/bin/python bench/telegram_bench.py [--updates 2000] [--concurrency 16] [--warmup 100]
        [--rounds 3] [--database sqlite|postgres] [--first-contact]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hmac
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
from aiohttp import web

SCRIPT = Path(__file__).resolve()
from benchlib import (  # noqa: E402
    free_port,
    load_questions,
    percentile,
    postgres_database,
    spawn_fake_api,
)

ROOT = SCRIPT.parent.parent
SECRET = "bench-secret_123"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # same as bot.channels.telegram
WEBHOOK_PATH = "/webhooks/telegram"
RATE_LIMIT = 100_000.0
"""Messages/s for AIORateLimiter in both bots: the production default (25) would cap the run."""
MAX_RETRIES = 3
FIRST_CHAT_ID = 1_000_000
FIRST_UPDATE_ID = 500_000
LOAD_TIMEOUT = 150.0
"""Seconds one bot's load may take before the run is abandoned."""
REQUEST_TIMEOUT = 30.0

JSON = dict[str, Any]


# -- the load process ----------------------------------------------------------------------------

CONNECTION_POOL = 32
"""Outgoing connections to the fake API, for both bots (TELEGRAM_CONNECTION_POOL_SIZE)."""


def make_update(n: int, text: str, round_: int = 0) -> JSON:
    """A private text message from user n (its own chat), as Telegram would post it; each
    round of messages from the same users has its own update ids."""
    chat_id = FIRST_CHAT_ID + n
    user = {"id": chat_id, "is_bot": False, "first_name": "An", "language_code": "vi"}
    return {"update_id": FIRST_UPDATE_ID + round_ * 1_000_000 + n,
            "message": {"message_id": 1, "date": int(time.time()), "text": text,
                        "chat": {"id": chat_id, "type": "private", "first_name": "An"},
                        "from": user}}


async def post_updates(http: aiohttp.ClientSession, url: str, numbers: range,
                       questions: list[str], concurrency: int, round_: int = 0) -> list[JSON]:
    """Closed loop: `concurrency` workers, each posting its next update once answered."""
    pending = iter(numbers)
    results: list[JSON] = []

    async def worker() -> None:
        for n in pending:
            body = json.dumps(make_update(n, questions[n % len(questions)], round_))
            sent = time.time()
            status = 0
            try:
                async with http.post(url, data=body, headers={SECRET_HEADER: SECRET,
                                     "Content-Type": "application/json"}) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                pass  # counted as an error (status 0)
            results.append({"chat_id": FIRST_CHAT_ID + n, "sent": sent,
                            "rtt": time.time() - sent, "status": status})

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


async def generate_load(job: JSON) -> JSON:
    warmup, updates = job["warmup"], job["updates"]
    connector = aiohttp.TCPConnector(limit=job["concurrency"])
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        await post_updates(http, job["url"], range(warmup), job["questions"], job["concurrency"])
        if job["known_users"]:  # steady state: the measured users have written before
            await post_updates(http, job["url"], range(warmup, warmup + updates), job["questions"],
                               job["concurrency"], round_=1)
        start = time.time()
        results = await post_updates(http, job["url"], range(warmup, warmup + updates),
                                     job["questions"], job["concurrency"])
    return {"start": start, "end": time.time(), "results": results}


def fake_api_main() -> None:
    """`--fake-api`: serve the fake Bot API in its own process, as the real one is elsewhere.

    Prints its port, then on the line "dump" prints the sent records (JSON) and exits."""
    from tests.fakes.telegram_api import FakeTelegramAPI

    async def serve() -> None:
        async with FakeTelegramAPI() as api:
            print(json.dumps({"port": api.port, "token": api.token}), flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
            records = [{"method": r.method, "chat_id": r.chat_id, "timestamp": r.timestamp}
                       for r in api.sent]
            print(json.dumps(records), flush=True)

    asyncio.run(serve())


@dataclass
class RemoteFake:
    """The fake Bot API running in another process, as the bots see it."""

    port: int
    token: str
    process: asyncio.subprocess.Process

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def sent(self) -> list[Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(b"dump\n")
        await self.process.stdin.drain()
        records = json.loads(await self.process.stdout.readline())
        await self.process.wait()
        return [SimpleNamespace(**r) for r in records]


async def start_remote_fake(stack: AsyncExitStack) -> RemoteFake:
    process, hello = await spawn_fake_api(SCRIPT, stack)
    return RemoteFake(hello["port"], hello["token"], process)


def load_main() -> None:
    """`--load`: read the job (JSON) from stdin, post the updates, print the results (JSON)."""
    job = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(generate_load(job))))


# -- measuring one bot ---------------------------------------------------------------------------

@dataclass
class Figures:
    name: str
    updates: int
    completed: int
    errors: int
    per_second: float
    p50_ms: float
    p99_ms: float
    rtt_p50_ms: float
    rtt_p99_ms: float
    window: tuple[float, float] = (0.0, 0.0)
    """When the measured updates started and the last reply arrived (time.time())."""


async def run_load(url: str, args: argparse.Namespace, questions: list[str]) -> JSON:
    """Run the load in a second process, so the client does not share the bot's core."""
    job = {"url": url, "warmup": args.warmup, "updates": args.updates,
           "concurrency": args.concurrency, "questions": questions,
           "known_users": not args.first_contact}
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), "--load",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    try:
        out, _ = await asyncio.wait_for(process.communicate(json.dumps(job).encode()),
                                        LOAD_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"load process failed with exit code {process.returncode}")
    result: JSON = json.loads(out)
    return result


def summarise(name: str, load: JSON, sent: list[Any]) -> Figures:
    """Match replies (the fake's SentRecords) to updates by chat id."""
    replies: dict[Any, float] = {}
    for record in sent:  # the last reply per chat: the whole answer has arrived
        replies[record.chat_id] = max(record.timestamp, replies.get(record.chat_id, 0.0))
    latencies, rtts, errors, last = [], [], 0, load["start"]
    for result in load["results"]:
        rtts.append(result["rtt"] * 1000)
        answered = replies.get(result["chat_id"])
        if result["status"] != 200 or answered is None:
            errors += 1
            continue
        latencies.append((answered - result["sent"]) * 1000)
        last = max(last, answered)
    wall = max(last, load["end"]) - load["start"]
    return Figures(name, len(load["results"]), len(latencies), errors, len(latencies) / wall,
                   percentile(latencies, 0.50), percentile(latencies, 0.99),
                   percentile(rtts, 0.50), percentile(rtts, 0.99),
                   (load["start"], load["start"] + wall))


Serve = Callable[[Any, int, AsyncExitStack], Awaitable[None]]
"""Start a bot on 127.0.0.1:port replying to the fake API; register its teardown on the stack."""


async def measure(name: str, serve: Serve, args: argparse.Namespace,
                  questions: list[str]) -> Figures:
    async with AsyncExitStack() as stack:
        api = await start_remote_fake(stack)
        port = free_port()
        await serve(api, port, stack)
        load = await run_load(f"http://127.0.0.1:{port}{WEBHOOK_PATH}", args, questions)
        warmup_ids = {FIRST_CHAT_ID + n for n in range(args.warmup)}
        sent = [r for r in await api.sent()
                if r.method == "sendMessage" and r.chat_id not in warmup_ids]
        return summarise(name, load, sent)


# -- the two bots --------------------------------------------------------------------------------

async def serve_ours(api: Any, port: int, stack: AsyncExitStack, database: str = "sqlite") -> None:
    from bot.app import build_services, settle_startup_objects
    from bot.channels.telegram import TelegramChannel
    from bot.pipeline import Pipeline
    from bot.platforms.telegram import TelegramPlatform
    from bot.settings import Settings
    from bot.web import create_web_app, start_web
    from db.engine import create_engine, is_sqlite, session_factory
    from db.migrate import upgrade

    if database == "postgres":
        url = await postgres_database(stack, "tgbench")
    else:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tgbench-")))
        url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    await upgrade(url)
    settings = Settings(
        _env_file=None, database_url=url, telegram_bot_token=api.token,  # type: ignore[call-arg]
        telegram_api_base_url=api.base_url, telegram_file_base_url=api.base_file_url,
        telegram_webhook_url=f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
        telegram_webhook_secret=SECRET, telegram_max_rate=RATE_LIMIT,
        telegram_max_retries=MAX_RETRIES, telegram_connection_pool_size=CONNECTION_POOL,
        web_host="127.0.0.1", web_port=port)
    services = build_services(settings)
    engine = create_engine(url)
    stack.push_async_callback(engine.dispose)
    sessions = session_factory(engine)
    pipeline = Pipeline(services, sessions, serialize_writes=is_sqlite(url))  # as bot.app does
    channel = TelegramChannel(settings, pipeline, TelegramPlatform(settings))
    web_app = create_web_app()
    channel.add_routes(web_app)
    settle_startup_objects()  # as bot.runner.serve does
    runner = await start_web(web_app, "127.0.0.1", port)
    stack.push_async_callback(runner.cleanup)
    await channel.start()
    stack.push_async_callback(channel.stop)


async def serve_echo(api: Any, port: int, stack: AsyncExitStack,
                     aiohttp_transport: bool = False) -> None:
    from telegram import Update
    from telegram.ext import (
        AIORateLimiter,
        ApplicationBuilder,
        ContextTypes,
        MessageHandler,
        filters,
    )

    from bot.channels.telegram_http import AiohttpRequest

    builder = (ApplicationBuilder().token(api.token).base_url(api.base_url)
               .base_file_url(api.base_file_url)
               .rate_limiter(AIORateLimiter(overall_max_rate=RATE_LIMIT, max_retries=MAX_RETRIES))
               .concurrent_updates(True).updater(None))
    # The same pool size as ours (the settings' default), on PTB's httpx or on our transport.
    builder = (builder.request(AiohttpRequest(CONNECTION_POOL)) if aiohttp_transport
               else builder.connection_pool_size(CONNECTION_POOL))
    application = builder.build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        await context.bot.send_message(update.effective_chat.id, update.effective_message.text or "")

    async def webhook(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), SECRET.encode()):
            return web.json_response({"ok": False}, status=403)
        update = Update.de_json(json.loads(await request.read()), application.bot)
        await application.process_update(update)
        return web.json_response({"ok": True})

    application.add_handler(MessageHandler(filters.TEXT, echo))
    web_app = web.Application()
    web_app.router.add_post(WEBHOOK_PATH, webhook)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stack.push_async_callback(runner.cleanup)
    await application.initialize()
    stack.push_async_callback(application.shutdown)
    await application.start()
    stack.push_async_callback(application.stop)
    await application.bot.set_webhook(f"http://127.0.0.1:{port}{WEBHOOK_PATH}", secret_token=SECRET)


# -- report --------------------------------------------------------------------------------------

BOTS = ("echo", "ours", "echo-aiohttp")
"""Measured in this order in every round: the PTB echo bot as it comes (httpx), ours, and the echo
bot on our aiohttp transport (bot/channels/telegram_http.py), to show what the transport buys."""


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def report(rounds: list[dict[str, Figures]], args: argparse.Namespace) -> None:
    print(f"{args.updates} updates (after {args.warmup} warm-up) per bot and round, {args.rounds}"
          f" rounds, {args.concurrency} connections, one user per update; our store:"
          f" {args.database}; {'first contact' if args.first_contact else 'users the bot already knows'}\n")
    print(f"{'round':<6} {'bot':<13} {'updates/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'http p50':>9}"
          f" {'http p99':>9} {'completed':>10} {'errors':>7}")
    for number, figures in enumerate(rounds, 1):
        for f in figures.values():
            print(f"{number:<6} {f.name:<13} {f.per_second:>10.1f} {f.p50_ms:>8.1f} {f.p99_ms:>8.1f}"
                  f" {f.rtt_p50_ms:>9.1f} {f.rtt_p99_ms:>9.1f} {f.completed:>10} {f.errors:>7}")
    # The machine's speed drifts between runs: compare bots within a round, then take the median.
    ratios = {base: [r["ours"].per_second / r[base].per_second for r in rounds] for base in
              ("echo", "echo-aiohttp")}
    p99 = [r["ours"].p99_ms / r["echo"].p99_ms for r in rounds]
    for base, values in ratios.items():
        listed = ", ".join(f"{v:.2f}" for v in values)
        print(f"\nours/{base}: throughput median {median(values):.2f}x (rounds: {listed})")
    print(f"ours/echo: p99 latency median {median(p99):.2f}x")
    errors = sum(r["ours"].errors for r in rounds)
    met = median(ratios["echo"]) >= 0.5 and errors == 0
    print(f"target (ours >= 0.5x the PTB echo bot's throughput, no errors): {'met' if met else 'NOT met'}")


async def bench(args: argparse.Namespace) -> None:
    questions = load_questions()
    serves: dict[str, Serve] = {
        "echo": serve_echo,
        "ours": functools.partial(serve_ours, database=args.database),
        "echo-aiohttp": functools.partial(serve_echo, aiohttp_transport=True)}
    rounds = []
    for _ in range(args.rounds):
        rounds.append({name: await measure(name, serves[name], args, questions) for name in BOTS})
    report(rounds, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, default=2000, help="measured updates per bot")
    parser.add_argument("--concurrency", type=int, default=16, help="connections in flight")
    parser.add_argument("--warmup", type=int, default=100, help="updates before measuring")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each measuring every bot")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite",
                        help="our bot's store (postgres: a temporary database at TEST_POSTGRES_URL)")
    parser.add_argument("--first-contact", action="store_true",
                        help="measure users' first messages (the bot creates each user) instead "
                             "of users it already knows")
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)  # the 2nd process
    parser.add_argument("--fake-api", action="store_true", help=argparse.SUPPRESS)  # the 3rd
    args = parser.parse_args()
    if args.load:
        load_main()
        return
    if args.fake_api:
        sys.path.insert(0, str(ROOT))
        fake_api_main()
        return
    if not (1 <= args.updates <= 50_000 and 1 <= args.concurrency <= 256 and 0 <= args.warmup <= 5_000
            and 1 <= args.rounds <= 20):
        parser.error("keep to 1-50000 updates, 1-256 connections, 0-5000 warm-up updates, 1-20 rounds")
    sys.path.insert(0, str(ROOT))  # tests.fakes is not an installed package
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
