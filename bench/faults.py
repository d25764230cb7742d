"""Fault runs: `cdsbot run` killed with SIGKILL under load, restarted, and what people received.

    .venv/bin/python bench/faults.py [--messages 500] [--repeat 3] [--concurrency 32]

Per run: a fresh migrated database; `messages` webhook deliveries, each from its own person,
posted `concurrency` at a time to real `cdsbot run` processes (tests/crash_harness.py); the first
worker is killed with SIGKILL once 30 % are answered; it is started again and the fake platform
delivers again whatever was not acknowledged, as Telegram does (and Zalo on a connection
failure). Printed per channel and store: accepted before the kill, answered, lost, duplicated,
and the replies in flight at the kill (recorded, not yet marked sent: the most that may come
twice). The scenarios: Telegram and Zalo on SQLite; Zalo on PostgreSQL; two Telegram workers
on PostgreSQL, one killed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchlib import postgres_database  # noqa: E402

from db.migrate import upgrade  # noqa: E402
from tests.crash_harness import Outcome, kill_and_restart  # noqa: E402

SCENARIOS = [("telegram", "sqlite", 1), ("zalo", "sqlite", 1), ("zalo", "postgres", 1),
             ("telegram", "postgres", 2)]


async def run_one(channel: str, store: str, workers: int, messages: int,
                  concurrency: int) -> Outcome:
    async with AsyncExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="faults-")))
        if store == "sqlite":
            url = f"sqlite+aiosqlite:///{workdir / 'faults.sqlite3'}"
        else:
            url = await postgres_database(stack, "faults")
        await upgrade(url)
        return await kill_and_restart(channel, url, workdir, messages=messages, workers=workers,
                                      concurrency=concurrency)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    failed = False
    print(f"{'channel':9} {'store':8} {'workers':7}  per run")
    for channel, store, workers in SCENARIOS:
        for _ in range(args.repeat):
            outcome = await run_one(channel, store, workers, args.messages, args.concurrency)
            print(f"{channel:9} {store:8} {workers:7}  {outcome.line()}", flush=True)
            failed |= outcome.lost > 0 or outcome.duplicated > outcome.unsent_at_kill
    print("FAILED: a message was lost or answered twice beyond those in flight" if failed
          else "every delivered message answered; duplicates within the replies in flight")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
