"""The global send rate: two gates with stores of their own (as two processes would have) share
one channel's rate through the database or Redis, and a platform's "wait" holds both."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Callable

import pytest

from bot.broadcast.ratelimit import DatabaseRateStore, RateGate, RateStore, RedisRateStore
from db.engine import create_engine, session_factory
from tests.broadcast_helpers import sent_too_early

RATE = 40.0
TURNS = 48


async def _take_turns(gate: RateGate, turns: int, senders: int, times: list[float]) -> None:
    remaining = iter(range(turns))

    async def sender() -> None:
        for _ in remaining:
            assert await gate.wait_turn()
            times.append(time.monotonic())

    await asyncio.gather(*(sender() for _ in range(senders)))


async def _shared_rate(stores: list[RateStore]) -> None:
    channel = f"test-{secrets.token_hex(4)}"
    gates = [RateGate(store, channel, RATE) for store in stores]
    times: list[float] = []
    start = time.monotonic()
    await asyncio.gather(*(_take_turns(gate, TURNS // 2, 3, times) for gate in gates))
    assert len(times) == TURNS
    assert sent_too_early(times, start, RATE) == []
    # A wait the platform asks for holds every gate, not only the one told: the others once
    # they have used the slots they had already reserved (at most two runs). Measured from
    # before the pause is asked, so a slow store only shortens the time looked at.
    asked = time.monotonic()
    await gates[0].pause(0.5)
    early = 0
    while await gates[1].wait_turn() and time.monotonic() - asked < 0.45:
        early += 1
    assert early <= 2 * gates[1].run


@pytest.fixture
async def database_stores(database_url: str) -> AsyncIterator[list[RateStore]]:
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        yield [DatabaseRateStore(session_factory(engine)) for engine in engines]
    finally:
        for engine in engines:
            await engine.dispose()


async def test_two_gates_share_the_rate_through_the_database(database_stores):
    await _shared_rate(database_stores)


def _redis_url() -> str:
    return "redis://127.0.0.1:6379/15"


async def _redis_or_skip(make: Callable[[], RedisRateStore]) -> RedisRateStore:
    store = make()
    try:
        await store.client.ping()
    except Exception:
        await store.close()
        pytest.skip("no Redis at 127.0.0.1:6379")
    return store


async def test_two_gates_share_the_rate_through_redis():
    prefix = f"cdsbot-test:{secrets.token_hex(4)}:"
    stores = [await _redis_or_skip(lambda: RedisRateStore(_redis_url(), prefix)) for _ in range(2)]
    try:
        await _shared_rate(list(stores))
    finally:
        for store in stores:
            await store.close()
