"""What the benchmarks share: percentiles, a free port, a throw-away PostgreSQL database, and the
development set's questions."""

from __future__ import annotations

import os
import socket
from contextlib import AsyncExitStack
from pathlib import Path

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
