"""What the broadcast tests share: people to message (bulk inserts), settings pointing at the fake
platforms, a worker subprocess, and checks on what the fakes received."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from db.models import ChannelIdentity, Delivery, Subscription, User, utcnow
from tests.clock_travel import bot_command

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123:ABC"
FAST = {"broadcast_poll_seconds": 0.1, "broadcast_retry_seconds": 0.1}
"""Workers that look around often and retry soon, so tests do not wait."""


async def add_people(sessions: async_sessionmaker[AsyncSession], count: int, *,
                     channel: str = "telegram", first_chat: int = 1_000_000,
                     topics: Sequence[str] = ("announcements",), province: str | None = None,
                     commune: str | None = None, role: int = 0, reachable: bool = True,
                     last_message_at: dt.datetime | None = None, chat_ids: Sequence[str] = (),
                     chunk: int = 5000) -> list[str]:
    """`count` people with one identity each on `channel` (chat ids from `first_chat`, or
    `chat_ids`) and the given subscriptions; their chat ids."""
    chat_ids = list(chat_ids) or [str(first_chat + n) for n in range(count)]
    seen = last_message_at or utcnow()  # real clock: the worker's reachability window
    users, identities = User.__table__, ChannelIdentity.__table__
    for start in range(0, len(chat_ids), chunk):
        part = chat_ids[start:start + chunk]
        async with sessions() as session, session.begin():
            rows = [{"created_at": seen, "last_seen_at": seen, "province": province,
                     "commune": commune, "location_consent": province is not None,
                     "role": role, "is_demo": False} for _ in part]
            ids = list((await session.execute(
                insert(users).returning(users.c.id, sort_by_parameter_order=True), rows)).scalars())
            await session.execute(insert(identities), [
                {"user_id": user_id, "channel": channel, "external_id": chat, "chat_id": chat,
                 "reachable": reachable, "created_at": seen, "last_message_at": seen}
                for user_id, chat in zip(ids, part, strict=True)])
            if topics:
                await session.execute(insert(Subscription.__table__), [
                    {"user_id": user_id, "topic": topic, "created_at": seen}
                    for user_id in ids for topic in topics])
    return chat_ids


def telegram_settings(database_url: str, base_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"database_url": database_url, "telegram_bot_token": TOKEN,
                              "telegram_api_base_url": base_url, **FAST, **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def worker_env(database_url: str, base_url: str, **settings: Any) -> dict[str, str]:
    """The environment of a `cdsbot broadcast worker` subprocess talking to the fake API."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(
        ("BROADCAST_", "TELEGRAM_", "ZALO_", "REDIS_"))}
    env.update({"DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": base_url, "LOG_LEVEL": "WARNING",
                "DATABASE_POOL_SIZE": "5"})
    env.update({key.upper(): str(value) for key, value in {**FAST, **settings}.items()})
    return env


def start_worker(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[str]:
    """`cdsbot broadcast worker ARGS` in its own process (cwd: a folder without .env)."""
    return subprocess.Popen(bot_command("broadcast", "worker", *args),
                            cwd=cwd, env={**env, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def duplicates(chat_ids: Iterable[Any]) -> dict[Any, int]:
    return {chat: n for chat, n in Counter(chat_ids).items() if n > 1}


def sent_too_early(timestamps: Sequence[float], start: float, rate: float) -> list[str]:
    """The sends that came before the global rate allows: the k-th (from 0) may not come before
    `start` + k / rate. A busy machine only delays sends, so this holds however slow it is, and a
    limiter that lets two processes each send at the full rate breaks it within a second."""
    slack = 0.002  # clock reads and float rounding
    return [f"send {k} at +{moment - start:.3f}s, allowed from +{k / rate:.3f}s"
            for k, moment in enumerate(sorted(timestamps)) if moment - start < k / rate - slack]


async def delivery_states(sessions: async_sessionmaker[AsyncSession],
                          broadcast_id: int) -> dict[str, int]:
    async with sessions() as session:
        rows = await session.execute(select(Delivery.state, func.count())
                                     .where(Delivery.broadcast_id == broadcast_id)
                                     .group_by(Delivery.state))
        return {state: int(n) for state, n in rows}

