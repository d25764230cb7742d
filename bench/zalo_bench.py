"""Zalo webhook benchmark: signed events per second and end-to-end latency of our Zalo channel.

Our bot runs in this process: ZaloChannel on the project's web app (bot/web.py) behind a real
aiohttp server on 127.0.0.1, the real Pipeline with the shipped content and a fresh, migrated
database (SQLite in a temporary folder, or with `--database postgres` a temporary PostgreSQL
database at TEST_POSTGRES_URL, dropped at the end), sending its replies to the fake Zalo server of
the tests (tests/fakes/zalo_api.py), also in this process.

Load comes from a second process (this script with `--load`), which builds and signs the
`user_send_text` events itself (X-ZEvent-Signature: mac=sha256_hex(app_id + body + timestamp +
OA secret key), timestamp = the current time in ms): `--concurrency` connections, each posting its
next event as soon as the previous POST is answered. Every event has its own msg_id and its own
sender, so per-user ordering serialises nothing and a reply is matched to its event by user id.
The webhook answers 200 before handling the event, so the end-to-end latency is POST sent → the
last reply for that user recorded by the fake (SentRecord.time; both processes read the same wall
clock); "http" is the webhook round trip. Warm-up events are posted and fully handled first, and
are excluded. Events/s = completed replies / (first measured POST → last reply).

    .venv/bin/python bench/zalo_bench.py [--events 2000] [--concurrency 16] [--warmup 100]
                                         [--database sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

SCRIPT = Path(__file__).resolve()
from benchlib import free_port, load_questions, percentile, postgres_database  # noqa: E402

ROOT = SCRIPT.parent.parent
APP_ID = "bench-app"
APP_SECRET = "bench-app-secret"
OA_SECRET_KEY = "bench-oa-secret-key"
OA_ID = "bench-oa"
SIGNATURE_HEADER = "X-ZEvent-Signature"  # same as bot.channels.zalo
WEBHOOK_PATH = "/webhooks/zalo"
FIRST_USER_ID = 7_000_000_000_000_000_000
LOAD_TIMEOUT = 150.0
"""Seconds the load process may take (warm-up included) before the run is abandoned."""
DRAIN_TIMEOUT = 60.0
"""Seconds to wait, after the last POST, for the events still being handled."""
REQUEST_TIMEOUT = 30.0

JSON = dict[str, Any]


# -- the load process ----------------------------------------------------------------------------

def user_id(n: int) -> str:
    return str(FIRST_USER_ID + n)


def msg_id(n: int) -> str:
    """Event n's message id; the fake Zalo is told of it (replies quote it, as on Zalo)."""
    return f"bench-{n}"


def signed_event(n: int, text: str, app_id: str, oa_secret_key: str) -> tuple[bytes, dict[str, str]]:
    """Event n (user n's text message) as Zalo would post it: raw body and headers."""
    timestamp = str(int(time.time() * 1000))
    event = {"app_id": app_id, "sender": {"id": user_id(n)},
             "user_id_by_app": f"{user_id(n)}-byapp", "recipient": {"id": OA_ID},
             "event_name": "user_send_text",
             "message": {"text": text, "msg_id": msg_id(n)},
             "timestamp": timestamp}
    body = json.dumps(event, ensure_ascii=False).encode("utf-8")
    mac = hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode())
    return body, {SIGNATURE_HEADER: f"mac={mac.hexdigest()}", "Content-Type": "application/json"}


async def post_events(http: aiohttp.ClientSession, job: JSON, numbers: range) -> list[JSON]:
    """Closed loop on the webhook: `concurrency` workers, each posting its next event once answered."""
    pending = iter(numbers)
    questions: list[str] = job["questions"]
    results: list[JSON] = []

    async def worker() -> None:
        for n in pending:
            body, headers = signed_event(n, questions[n % len(questions)], job["app_id"],
                                         job["oa_secret_key"])
            sent = time.time()
            status = 0
            try:
                async with http.post(job["url"], data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                pass  # counted as an error (status 0)
            results.append({"user_id": user_id(n), "sent": sent, "rtt": time.time() - sent,
                            "status": status})

    await asyncio.gather(*(worker() for _ in range(job["concurrency"])))
    return results


async def generate_load(job: JSON) -> JSON:
    warmup, events = job["warmup"], job["events"]
    connector = aiohttp.TCPConnector(limit=job["concurrency"])
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        await post_events(http, job, range(warmup))
        print("warm", flush=True)  # the bot finishes the warm-up events, then answers "go"
        if (await asyncio.to_thread(sys.stdin.readline)).strip() != "go":
            raise SystemExit("no go from the bot process")
        start = time.time()
        results = await post_events(http, job, range(warmup, warmup + events))
    return {"start": start, "end": time.time(), "results": results}


def load_main() -> None:
    """`--load`: read the job (one JSON line) from stdin, post the events, print the results."""
    job = json.loads(sys.stdin.readline())
    print(json.dumps(asyncio.run(generate_load(job))), flush=True)


# -- the bot process -----------------------------------------------------------------------------

@dataclass
class Figures:
    events: int
    completed: int
    errors: int
    lost: int
    per_second: float
    p50_ms: float
    p99_ms: float
    rtt_p50_ms: float
    rtt_p99_ms: float
    wall_s: float


async def serve_ours(fake: Any, port: int, stack: AsyncExitStack, database: str) -> Any:
    """Our ZaloChannel on the web app at 127.0.0.1:port, replying to the fake; returns the channel."""
    from bot.app import build_services, settle_startup_objects
    from bot.channels.zalo import ZaloChannel
    from bot.pipeline import Pipeline
    from bot.platforms.zalo import ZaloPlatform
    from bot.settings import Settings
    from bot.web import create_web_app, start_web
    from db.engine import create_engine, is_sqlite, session_factory
    from db.migrate import upgrade

    if database == "postgres":
        url = await postgres_database(stack, "zalobench")
    else:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="zalobench-")))
        url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    await upgrade(url)
    access, refresh = fake.issue_tokens()
    settings = Settings(
        _env_file=None, database_url=url, zalo_app_id=APP_ID,  # type: ignore[call-arg]
        zalo_app_secret=APP_SECRET, zalo_oa_secret_key=OA_SECRET_KEY, zalo_access_token=access,
        zalo_refresh_token=refresh, zalo_api_base_url=fake.api_base_url,
        zalo_oauth_base_url=fake.oauth_base_url, web_host="127.0.0.1", web_port=port)
    services = build_services(settings)
    engine = create_engine(url)
    stack.push_async_callback(engine.dispose)
    sessions = session_factory(engine)
    pipeline = Pipeline(services, sessions, serialize_writes=is_sqlite(url))  # as bot.app does
    platform = ZaloPlatform(settings, sessions)
    await platform.start()
    stack.push_async_callback(platform.close)
    channel = ZaloChannel(settings, pipeline, platform)
    await channel.start()
    stack.push_async_callback(channel.stop)
    web_app = create_web_app()
    channel.add_routes(web_app)
    settle_startup_objects()  # as bot.runner.serve does
    runner = await start_web(web_app, "127.0.0.1", port)
    stack.push_async_callback(runner.cleanup)  # stops the server before the channel
    return channel


async def drain(channel: Any, timeout: float) -> bool:  # noqa: ASYNC109 - a bound, not a contract
    """Wait for the events being handled; False if some are still running after `timeout` s."""
    try:
        await asyncio.wait_for(channel.idle(), timeout)
    except TimeoutError:
        return False
    return True


async def run_load(url: str, args: argparse.Namespace, questions: list[str], channel: Any) -> JSON:
    """Run the load in a second process, so the client does not share the bot's core."""
    job = {"url": url, "warmup": args.warmup, "events": args.events,
           "concurrency": args.concurrency, "questions": questions, "app_id": APP_ID,
           "oa_secret_key": OA_SECRET_KEY}
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), "--load",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None

    async def converse() -> bytes:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(job).encode() + b"\n")
        await process.stdin.drain()
        if (await process.stdout.readline()).strip() != b"warm":
            raise RuntimeError("the load process stopped during the warm-up")
        if not await drain(channel, DRAIN_TIMEOUT):
            raise RuntimeError("the warm-up events were not handled in time")
        process.stdin.write(b"go\n")
        await process.stdin.drain()
        return await process.stdout.read()

    try:
        out = await asyncio.wait_for(converse(), LOAD_TIMEOUT)
    except BaseException:
        if process.returncode is None:
            process.kill()
        await process.wait()
        raise
    await process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"load process failed with exit code {process.returncode}")
    result: JSON = json.loads(out)
    return result


def summarise(load: JSON, sent: list[Any]) -> Figures:
    """Match replies (the fake's SentRecords) to events by user id."""
    replies: dict[str, float] = {}
    for record in sent:  # the last message per user: the whole answer has arrived
        replies[record.user_id] = max(record.time, replies.get(record.user_id, 0.0))
    latencies, rtts, errors, lost, last = [], [], 0, 0, load["start"]
    for result in load["results"]:
        rtts.append(result["rtt"] * 1000)
        if result["status"] != 200:
            errors += 1
            continue
        answered = replies.get(result["user_id"])
        if answered is None:
            lost += 1
            continue
        latencies.append((answered - result["sent"]) * 1000)
        last = max(last, answered)
    wall = max(last, load["end"]) - load["start"]
    return Figures(len(load["results"]), len(latencies), errors, lost, len(latencies) / wall,
                   percentile(latencies, 0.50), percentile(latencies, 0.99),
                   percentile(rtts, 0.50), percentile(rtts, 0.99), wall)


async def measure(args: argparse.Namespace, questions: list[str]) -> Figures:
    from tests.fakes.zalo_api import FakeZalo

    async with AsyncExitStack() as stack:
        fake = await stack.enter_async_context(
            FakeZalo(app_id=APP_ID, app_secret=APP_SECRET, oa_secret_key=OA_SECRET_KEY, oa_id=OA_ID))
        for n in range(args.warmup + args.events):  # the messages users "sent" the OA
            fake.user_wrote(user_id(n), msg_id(n))
        port = free_port()
        channel = await serve_ours(fake, port, stack, args.database)
        load = await run_load(f"http://127.0.0.1:{port}{WEBHOOK_PATH}", args, questions, channel)
        if not await drain(channel, DRAIN_TIMEOUT):
            print(f"warning: events still being handled after {DRAIN_TIMEOUT:.0f} s count as lost",
                  file=sys.stderr)
            for task in list(channel.intake._drainers.values()):  # so that channel.stop() returns
                task.cancel()
        warmup_ids = {user_id(n) for n in range(args.warmup)}
        sent = [r for r in fake.sent if r.user_id not in warmup_ids]
        return summarise(load, sent)


# -- report --------------------------------------------------------------------------------------

def report(f: Figures, args: argparse.Namespace) -> None:
    print(f"{args.events} signed events (after {args.warmup} warm-up), {args.concurrency}"
          f" connections, one user per event; store: {args.database}\n")
    print(f"{'events/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'http p50':>9} {'http p99':>9}"
          f" {'completed':>10} {'errors':>7} {'lost':>5} {'wall s':>7}")
    print(f"{f.per_second:>9.1f} {f.p50_ms:>8.1f} {f.p99_ms:>8.1f} {f.rtt_p50_ms:>9.1f}"
          f" {f.rtt_p99_ms:>9.1f} {f.completed:>10} {f.errors:>7} {f.lost:>5} {f.wall_s:>7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=2000, help="measured events")
    parser.add_argument("--concurrency", type=int, default=16, help="connections in flight")
    parser.add_argument("--warmup", type=int, default=100, help="events before measuring")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite",
                        help="the bot's store (postgres: a temporary database at TEST_POSTGRES_URL)")
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)  # the 2nd process
    args = parser.parse_args()
    if args.load:
        load_main()
        return
    if not (1 <= args.events <= 50_000 and 1 <= args.concurrency <= 256 and 0 <= args.warmup <= 5_000):
        parser.error("keep to 1-50000 events, 1-256 connections, 0-5000 warm-up events")
    sys.path.insert(0, str(ROOT))  # tests.fakes is not an installed package
    report(asyncio.run(measure(args, load_questions())), args)


if __name__ == "__main__":
    main()
