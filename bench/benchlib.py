"""What the benchmarks share: percentiles, a free port, a throw-away PostgreSQL database, the
development set's questions, and a meter of this process's CPU time."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "data" / "dev_questions.yaml"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def postgres_database(stack: AsyncExitStack, prefix: str) -> str:
    """A fresh PostgreSQL database for this run, dropped at the end."""
    import uuid

    import asyncpg
    from sqlalchemy.engine import make_url

    admin = make_url(os.environ.get("TEST_POSTGRES_URL",
                                    "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"

    async def admin_execute(sql: str) -> None:
        conn = await asyncpg.connect(user=admin.username, password=admin.password, host=admin.host,
                                     port=admin.port or 5432, database=admin.database)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    await admin_execute(f'CREATE DATABASE "{name}"')
    stack.push_async_callback(admin_execute, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return admin.set(database=name).render_as_string(hide_password=False)


def load_questions() -> list[str]:
    """The development set's questions written without diacritics (real users often do)."""
    import yaml

    items = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    return [item["q"] for item in items if item.get("kind") == "no_diacritics"]


async def spawn_fake_api(script: Path, stack: AsyncExitStack) -> tuple[Any, dict[str, Any]]:
    """Run `script --fake-api` in its own process (killed when `stack` closes); the process and
    the JSON line it prints first (its port, token…)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(script), "--fake-api", limit=64 * 1024 * 1024,  # one long JSON line
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)

    async def stop() -> None:
        if process.returncode is None:
            process.kill()
            await process.wait()

    stack.push_async_callback(stop)
    assert process.stdout is not None
    hello: dict[str, Any] = json.loads(await asyncio.wait_for(process.stdout.readline(), 30))
    return process, hello


class CpuMeter:
    """This process's CPU time, sampled while it runs, so the CPU the server spent inside a
    window that the load process reports afterwards (its wall-clock start and end) can be read:
    CPU per message says which path costs more, whatever the load process and the database
    take from the same cores."""

    def __init__(self, every: float = 0.05) -> None:
        self.every = every
        self.samples: list[tuple[float, float]] = []
        self._task: asyncio.Task[None] | None = None

    def __enter__(self) -> CpuMeter:
        self._task = asyncio.get_running_loop().create_task(self._sample())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
        self.samples.append((time.time(), time.process_time()))

    async def _sample(self) -> None:
        while True:
            self.samples.append((time.time(), time.process_time()))
            await asyncio.sleep(self.every)

    def at(self, moment: float) -> float:
        """CPU seconds used by `moment` (a time.time()), interpolated between samples."""
        before = max((s for s in self.samples if s[0] <= moment), default=self.samples[0])
        after = min((s for s in self.samples if s[0] >= moment), default=self.samples[-1])
        if after[0] == before[0]:
            return before[1]
        return before[1] + (after[1] - before[1]) * (moment - before[0]) / (after[0] - before[0])

    def between(self, start: float, end: float) -> float:
        return self.at(end) - self.at(start)
