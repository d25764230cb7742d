"""Web chat benchmark: messages → replies through POST + SSE, side by side with the Telegram
webhook path of bench/telegram_bench.py on the same store; and idle open streams per worker.

throughput (default): our web channel on the project's web app, the real pipeline with the
  shipped content and a fresh, migrated database (PostgreSQL by default), in this process. Load
  from a second process, shaped as telegram_bench's: every message from its own visitor (greeted
  before, with its SSE stream open), `--concurrency` posts in flight, each connection posting
  the next as soon as the last was accepted. Latency = POST sent → the bot's reply event read
  from the visitor's stream. In the same round, Telegram's webhook path (TelegramChannel on the
  same kind of store, telegram_bench's `ours`) under the same load; which path goes first
  alternates by round. The ratio is taken per round, then its median. The bot's CPU per message
  is its process's CPU time inside the measured window. Last, the latency at `--conversations` active conversations, each
  writing every `--interval` seconds as people do (an open loop).
streams: one worker (a `--serve` subprocess, so its memory is its own) and `--streams` visitors
  each holding an idle SSE stream; the worker's RSS before and after, and a check that every
  stream still gets an announcement.

    .venv/bin/python bench/web_bench.py [--messages 2000] [--concurrency 16] [--rounds 4]
        [--conversations 100] [--interval 2] [--per-conversation 10] [--database postgres|sqlite]
    .venv/bin/python bench/web_bench.py --mode streams [--streams 5000] [--database postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from contextlib import AsyncExitStack
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
sys.path.insert(0, str(ROOT))
from benchlib import CpuMeter, free_port, load_questions, percentile, postgres_database  # noqa: E402

SITE = "bench"
ORIGIN = "http://bench.portal"
LOAD_TIMEOUT = 300.0
JSON = dict[str, Any]


def raise_open_files() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# -- the server ------------------------------------------------------------------------------------

async def serve_web(port: int, stack: AsyncExitStack, database: str) -> Any:
    """Our web channel on 127.0.0.1:port with a fresh database and the site key; the channel."""
    from bot.app import build_services, settle_startup_objects
    from bot.channels.web import WebChannel
    from bot.channels.web_assets import add_widget_routes
    from bot.channels.web_hub import WebEventHub
    from bot.pipeline import Pipeline
    from bot.settings import Settings
    from bot.web import create_web_app, start_web
    from db.engine import create_engine, is_sqlite, session_factory
    from db.migrate import upgrade
    from db.web_chat import WebSites

    if database == "postgres":
        url = await postgres_database(stack, "webbench")
    else:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="webbench-")))
        url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    await upgrade(url)
    # Every visitor writes from 127.0.0.1, faster than a person: the limits meant for people
    # would throttle the load, not measure the bot.
    settings = Settings(_env_file=None, database_url=url, web_host="127.0.0.1",  # type: ignore[call-arg]
                        web_port=port, web_ip_max_requests=10**9, web_site_max_requests=10**9,
                        incoming_max_messages=10**6)
    services = build_services(settings)
    engine = create_engine(url)
    stack.push_async_callback(engine.dispose)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await WebSites(session).add("Bench portal", [ORIGIN], key=SITE)
    pipeline = Pipeline(services, sessions, serialize_writes=is_sqlite(url))
    channel = WebChannel(settings, pipeline, WebEventHub(sessions, settings.web_poll_seconds))
    app = create_web_app()
    channel.add_routes(app)
    add_widget_routes(app)
    settle_startup_objects()  # as bot.runner.serve does
    runner = await start_web(app, "127.0.0.1", port)
    stack.push_async_callback(runner.cleanup)
    await channel.start()
    stack.push_async_callback(channel.stop)
    return channel


async def announce_all(channel: Any) -> JSON:
    from sqlalchemy import select

    from bot.platforms.web import WebPlatform
    from db.broadcasts.formatting import BroadcastMessage
    from db.models import WebVisitor

    async with channel.sessions() as session:
        visitors = list((await session.execute(select(WebVisitor.id))).scalars())
    platform = WebPlatform(channel.sessions, channel.hub)
    watched = channel.hub.watched
    for visitor in visitors:
        await platform.deliver(visitor, BroadcastMessage("Thông báo thử"))
    return {"announced": len(visitors), "watched": watched}


def serve_main(port: int, database: str) -> None:
    """`--serve`: a worker on its own, until stdin closes (the streams mode measures its RSS)."""
    raise_open_files()

    async def run() -> None:
        async with AsyncExitStack() as stack:
            channel = await serve_web(port, stack, database)
            print(json.dumps({"ready": True, "pid": os.getpid()}), flush=True)
            reader = asyncio.StreamReader()
            await asyncio.get_running_loop().connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
            while line := await reader.readline():
                command = json.loads(line)
                if command.get("announce"):  # to every visitor, as the broadcast worker would
                    print(json.dumps(await announce_all(channel)), flush=True)
    asyncio.run(run())


# -- a visitor, as the widget talks --------------------------------------------------------------

class Visitor:
    def __init__(self, http: aiohttp.ClientSession, api: str) -> None:
        self.http, self.api = http, api
        self.token = ""
        self.conversation = 0
        self.events: asyncio.Queue[JSON] = asyncio.Queue()
        self.reader: asyncio.Task[None] | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Origin": ORIGIN, "Authorization": f"Bearer {self.token}"}

    async def start(self) -> None:
        async with self.http.post(f"{self.api}/session", json={},
                                  headers={"Origin": ORIGIN}) as response:
            data = await response.json()
        self.token, self.conversation = data["token"], data["conversation"]

    async def open_stream(self, after: int = 0) -> None:
        response = await self.http.get(f"{self.api}/stream", headers=self.headers, params={
            "conversation": str(self.conversation), "after": str(after)})
        assert response.status == 200, response.status
        self.reader = asyncio.create_task(self._read(response))

    async def _read(self, response: aiohttp.ClientResponse) -> None:
        """The stream's events, parsed a chunk at a time (as a browser does, natively): a
        line-by-line parser in Python would take the bot's CPU on a 2-core machine and be
        measured as the bot's slowness. aiohttp-sse ends lines with CRLF."""
        pending = b""
        async for chunk in response.content.iter_any():
            *blocks, pending = (pending + chunk).split(b"\r\n\r\n")
            for block in blocks:
                data = [line[5:].lstrip() for line in block.split(b"\r\n")
                        if line.startswith(b"data:")]
                if data:  # not a ping
                    self.events.put_nowait(json.loads(b"\n".join(data)))

    async def ask(self, text: str) -> float:
        """POST a question, wait for the bot's reply on the stream; seconds it took."""
        sent = await self.post(text)
        return await self.replied(text) - sent

    async def post(self, text: str) -> float:
        """POST a question; when it was sent (the reply is awaited apart: `replied`)."""
        sent = time.perf_counter()
        async with self.http.post(f"{self.api}/messages", headers=self.headers,
                                  json={"id": uuid.uuid4().hex, "text": text}) as response:
            assert response.status == 202, response.status
        return sent

    async def replied(self, text: str) -> float:
        """When the bot's reply to `text` was read from the stream."""
        mine = False
        while True:
            event = await self.events.get()
            if event["kind"] == "user" and event["body"].get("text") == text:
                mine = True
            elif mine and event["kind"] == "bot":
                return time.perf_counter()

    async def notice(self) -> bool:
        while (await self.events.get())["kind"] != "notice":
            pass
        return True

    async def greeted(self) -> None:
        while (await self.events.get())["kind"] != "bot":
            pass

    async def close(self) -> None:
        """Stop reading the stream (before the worker goes, which ends it)."""
        if self.reader is not None:
            self.reader.cancel()
            await asyncio.gather(self.reader, return_exceptions=True)

    async def drain(self) -> None:
        while not self.events.empty():
            self.events.get_nowait()


async def burst_load(job: JSON) -> JSON:
    """As telegram_bench's load: every message from its own visitor (known to the bot: greeted
    before), `concurrency` posts in flight, each connection posting the next as soon as the
    last was accepted; the reply read from that visitor's stream."""
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=None)) as http:
        visitors = [Visitor(http, job["api"]) for _ in range(job["messages"])]
        for start in range(0, len(visitors), 100):
            await asyncio.gather(*(v.start() for v in visitors[start:start + 100]))
            await asyncio.gather(*(v.open_stream() for v in visitors[start:start + 100]))
        await asyncio.gather(*(v.greeted() for v in visitors))  # first contact: not measured
        await asyncio.sleep(0.5)
        for v in visitors:
            await v.drain()
        questions = job["questions"]
        texts = [questions[n % len(questions)] for n in range(len(visitors))]
        replies = [asyncio.create_task(v.replied(t)) for v, t in zip(visitors, texts, strict=True)]
        sent: list[float] = [0.0] * len(visitors)
        queue = iter(range(len(visitors)))

        async def poster() -> None:
            for n in queue:
                sent[n] = await visitors[n].post(texts[n])
        start, started_at = time.perf_counter(), time.time()
        await asyncio.gather(*(poster() for _ in range(job["concurrency"])))
        answered = await asyncio.gather(*replies)
        wall = max(answered) - start
        await asyncio.gather(*(v.close() for v in visitors))
    return {"completed": len(answered), "wall": wall, "window": [started_at, started_at + wall],
            "latencies_ms": [(a - s) * 1000 for a, s in zip(answered, sent, strict=True)]}


async def web_load(job: JSON) -> JSON:
    raise_open_files()
    if job.get("concurrency"):
        return await burst_load(job)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=None)) as http:
        visitors = [Visitor(http, job["api"]) for _ in range(job["conversations"])]
        await asyncio.gather(*(v.start() for v in visitors))
        await asyncio.gather(*(v.open_stream() for v in visitors))
        questions = job["questions"]
        await asyncio.gather(*(v.ask(questions[n % len(questions)])  # warm-up, not measured
                               for n, v in enumerate(visitors)))
        await asyncio.sleep(0.5)
        for v in visitors:
            await v.drain()
        per_visitor = max(1, job["messages"] // len(visitors))
        latencies: list[float] = []
        interval = job["interval"]

        async def converse(n: int, visitor: Visitor) -> None:
            if interval:  # people typing: spread over the interval, then one message each
                await asyncio.sleep(interval * n / len(visitors))
            for k in range(per_visitor):
                started = time.perf_counter()
                latencies.append(await visitor.ask(questions[(n * 7 + k) % len(questions)]))
                if interval:
                    await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))
        start, started_at = time.perf_counter(), time.time()
        await asyncio.gather(*(converse(n, v) for n, v in enumerate(visitors)))
        wall = time.perf_counter() - start
        await asyncio.gather(*(v.close() for v in visitors))
    return {"completed": len(latencies), "wall": wall, "window": [started_at, started_at + wall],
            "latencies_ms": [value * 1000 for value in latencies]}


async def run_web_load(api: str, conversations: int, messages: int, interval: float,
                       questions: list[str], concurrency: int = 0) -> JSON:
    job = {"api": api, "conversations": conversations, "messages": messages,
           "interval": interval, "questions": questions, "concurrency": concurrency}
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), "--load", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(process.communicate(json.dumps(job).encode()), LOAD_TIMEOUT)
    if process.returncode != 0:
        raise RuntimeError(f"load process failed with exit code {process.returncode}")
    result: JSON = json.loads(out)
    return result


# -- throughput, side by side ---------------------------------------------------------------------

async def measure_web(args: argparse.Namespace, questions: list[str], conversations: int,
                      messages: int, interval: float = 0.0, concurrency: int = 0) -> JSON:
    async with AsyncExitStack() as stack:
        port = free_port()
        await serve_web(port, stack, args.database)
        with CpuMeter() as meter:
            load = await run_web_load(f"http://127.0.0.1:{port}/web/v1/{SITE}", conversations,
                                      messages, interval, questions, concurrency)
    latencies = load["latencies_ms"]
    return {"per_second": load["completed"] / load["wall"], "completed": load["completed"],
            "p50": percentile(latencies, 0.50), "p99": percentile(latencies, 0.99),
            "cpu_ms": meter.between(*load["window"]) * 1000 / max(1, load["completed"])}


async def measure_telegram(args: argparse.Namespace, questions: list[str]) -> JSON:
    import functools

    import telegram_bench

    options = SimpleNamespace(updates=args.messages, concurrency=args.concurrency,
                              warmup=args.concurrency, first_contact=False)
    with CpuMeter() as meter:
        figures = await telegram_bench.measure(
            "telegram", functools.partial(telegram_bench.serve_ours, database=args.database),
            options, questions)  # type: ignore[arg-type]
    return {"per_second": figures.per_second, "completed": figures.completed,
            "p50": figures.p50_ms, "p99": figures.p99_ms,
            "cpu_ms": meter.between(*figures.window) * 1000 / max(1, figures.completed)}


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


async def throughput(args: argparse.Namespace) -> None:
    questions = load_questions()
    rounds = []
    for number in range(args.rounds):
        # The order alternates: the first path run in this process warms caches that outlive
        # a round (the normaliser's, for one), to the second one's benefit.
        async def web() -> JSON:
            return await measure_web(args, questions, 0, args.messages,
                                     concurrency=args.concurrency)
        order = ["web", "telegram"] if number % 2 == 0 else ["telegram", "web"]
        figures = {}
        for path in order:
            figures[path] = await (web() if path == "web" else measure_telegram(args, questions))
        rounds.append({"web": figures["web"], "telegram": figures["telegram"]})
    active = await measure_web(args, questions, args.conversations,
                               args.conversations * args.per_conversation, args.interval)
    print(f"throughput: {args.messages} messages per path and round, each from its own user "
          f"(known to the bot), {args.concurrency} posts in flight (the next sent as the last "
          f"was accepted), store: {args.database}\n")
    print(f"{'round':<6} {'path':<10} {'msgs/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'completed':>10} "
          f"{'bot CPU ms/msg':>15}")
    for number, figures in enumerate(rounds, 1):
        for name, f in figures.items():
            print(f"{number:<6} {name:<10} {f['per_second']:>8.1f} {f['p50']:>8.1f} "
                  f"{f['p99']:>8.1f} {f['completed']:>10} {f['cpu_ms']:>15.2f}")
    ratios = [r["web"]["per_second"] / r["telegram"]["per_second"] for r in rounds]
    print(f"\nweb/telegram throughput: median {median(ratios):.2f}x "
          f"(rounds: {', '.join(f'{v:.2f}' for v in ratios)})")
    p99 = active["p99"]
    print(f"\n{args.conversations} active conversations, each a message every {args.interval:g} s "
          f"({args.conversations / args.interval:.0f} messages/s offered), "
          f"{active['completed']} messages: p50 {active['p50']:.1f} ms, p99 {p99:.1f} ms "
          f"(POST sent → the reply read from the stream)")
    met = median(ratios) >= 1.0 and p99 < 50
    print(f"target (web >= telegram's throughput, p99 < 50 ms): {'met' if met else 'NOT met'}")


# -- idle streams -----------------------------------------------------------------------------------

def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def streams(args: argparse.Namespace) -> None:
    raise_open_files()
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), "--serve", "--port", str(port), "--database", args.database,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert server.stdout and server.stdin
    ready = json.loads(await asyncio.wait_for(server.stdout.readline(), 120))
    pid = ready["pid"]
    api = f"http://127.0.0.1:{port}/web/v1/{SITE}"
    connector = aiohttp.TCPConnector(limit=0)
    try:
        async with aiohttp.ClientSession(connector=connector,
                                         timeout=aiohttp.ClientTimeout(total=None)) as http:
            visitors = [Visitor(http, api) for _ in range(args.streams)]
            for start in range(0, len(visitors), 200):  # sessions, 200 at a time
                await asyncio.gather(*(v.start() for v in visitors[start:start + 200]))
            await asyncio.sleep(2)  # the greetings are stored
            before = rss_mb(pid)
            opened = time.perf_counter()
            for start in range(0, len(visitors), 500):
                await asyncio.gather(*(v.open_stream() for v in visitors[start:start + 500]))
            took = time.perf_counter() - opened
            await asyncio.sleep(3)
            after = rss_mb(pid)
            server.stdin.write(b'{"announce": true}\n')
            await server.stdin.drain()
            answer = json.loads(await asyncio.wait_for(server.stdout.readline(), 300))
            got = await asyncio.gather(*(asyncio.wait_for(v.notice(), 120) for v in visitors))
            reached = sum(got)
            print(f"store: {args.database}; {args.streams} idle SSE streams on one worker "
                  f"(opened in {took:.1f} s; the worker watched {answer['watched']})")
            print(f"worker RSS: {before:.0f} MB with the visitors' sessions, {after:.0f} MB with "
                  f"every stream open: {(after - before) * 1024 / args.streams:.1f} KB per stream")
            print(f"an announcement to all: {reached} of {args.streams} streams got it")
            await asyncio.gather(*(v.close() for v in visitors))
            met = after < 300 and reached == args.streams
            print(f"target (>= 5,000 streams in < 300 MB RSS): "
                  f"{'met' if met and args.streams >= 5000 else 'NOT met'}")
    finally:
        server.stdin.close()
        try:
            await asyncio.wait_for(server.wait(), 60)
        except TimeoutError:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mode", choices=["throughput", "streams"], default="throughput")
    parser.add_argument("--messages", type=int, default=2000, help="measured messages per path")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="messages in flight for the throughput comparison")
    parser.add_argument("--conversations", type=int, default=100,
                        help="active conversations for the latency figure")
    parser.add_argument("--interval", type=float, default=2.0,
                        help="seconds between one conversation's messages (latency figure)")
    parser.add_argument("--per-conversation", type=int, default=10,
                        help="messages each active conversation sends (latency figure)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--streams", type=int, default=5000, help="idle streams (streams mode)")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        result = asyncio.run(web_load(json.load(sys.stdin)))
        print(json.dumps({**result, "load_cpu_s": time.process_time()}))
        return
    if args.serve:
        serve_main(args.port, args.database)
        return
    sys.path.insert(0, str(SCRIPT.parent))
    asyncio.run(throughput(args) if args.mode == "throughput" else streams(args))


if __name__ == "__main__":
    main()
