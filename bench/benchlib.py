"""What the benchmarks share: percentiles, a free port, a throw-away PostgreSQL database, and the
development set's questions."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
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
