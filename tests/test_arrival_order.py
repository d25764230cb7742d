"""A button press and a message typed a millisecond after it are handled in that order, on
every platform channel and both stores: the one intake takes the user's lock before anything
else (on PostgreSQL nothing else orders two transactions of one user)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH, TelegramChannel
from bot.pipeline import Pipeline
from bot.platforms.telegram import TelegramPlatform
from bot.settings import Settings
from bot.web import create_web_app
from db.engine import create_engine, session_factory
from handlers.context import Services
from tests.conftest import FIXED_NOW
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.zalo_harness import zalo_harness

SECRET = "s3cret-token"
PRESS = "topic:contests"
TYPED = "/trogiup"


@dataclass
class Talk:
    """One platform's way to press a button and type text as a user, and what the user got."""

    press: Callable[[str], Awaitable[None]]
    type: Callable[[str], Awaitable[None]]
    texts: Callable[[str], list[str]]
    idle: Callable[[], Awaitable[None]]


@asynccontextmanager
async def telegram(services: Services, database_url: str) -> AsyncIterator[Talk]:
    engine = create_engine(database_url)
    async with FakeTelegramAPI() as api:
        settings = Settings(
            _env_file=None, database_url=database_url, telegram_bot_token=api.token,  # type: ignore[call-arg]
            telegram_api_base_url=api.base_url, telegram_file_base_url=api.base_file_url,
            telegram_webhook_url="https://bot.example/webhooks/telegram",
            telegram_webhook_secret=SECRET)
        pipeline = Pipeline(services, session_factory(engine), clock=lambda: FIXED_NOW)
        platform = TelegramPlatform(settings)
        channel = TelegramChannel(settings, pipeline, platform)
        web_app = create_web_app()
        channel.add_routes(web_app)
        client = TestClient(TestServer(web_app))
        await client.start_server()
        await channel.start()

        async def post(update: dict) -> None:
            response = await client.post(WEBHOOK_PATH, data=json.dumps(update),
                                         headers={SECRET_HEADER: SECRET})
            assert response.status == 200

        try:
            yield Talk(press=lambda user: post(api.callback_update(int(user), PRESS)),
                       type=lambda user: post(api.message_update(int(user), TYPED)),
                       texts=lambda user: api.texts(int(user)), idle=channel.intake.idle)
        finally:
            await channel.stop()
            await client.close()
            await engine.dispose()


@asynccontextmanager
async def zalo(services: Services, database_url: str) -> AsyncIterator[Talk]:
    async with zalo_harness(services, database_url, lambda: FIXED_NOW) as harness:
        async def post(event: dict) -> None:
            body, headers = harness.fake.signed_event(event)
            response = await harness.client.post("/webhooks/zalo", data=body, headers=headers)
            assert response.status == 200

        yield Talk(press=lambda user: post(harness.fake.text_event(user, f"#cds:{PRESS}")),
                   type=lambda user: post(harness.fake.text_event(user, TYPED)),
                   texts=lambda user: [r.text or "" for r in harness.fake.sent_to(user)],
                   idle=harness.channel.idle)


@pytest.fixture(params=[telegram, zalo], ids=["telegram", "zalo"])
async def talk(request: pytest.FixtureRequest, services: Services,
               database_url: str) -> AsyncIterator[Talk]:
    async with request.param(services, database_url) as talk:
        yield talk


async def test_a_press_then_a_message_typed_1_ms_later_are_answered_in_that_order(talk: Talk):
    await talk.press("7001")  # what each one answers, alone
    await talk.idle()
    await talk.type("7002")
    await talk.idle()
    press_answer, typed_answer = talk.texts("7001")[0], talk.texts("7002")[0]
    assert press_answer != typed_answer

    for user in ("7101", "7102", "7103"):
        async def typed_after_a_millisecond(user: str = user) -> None:
            await asyncio.sleep(0.001)
            await talk.type(user)

        await asyncio.gather(talk.press(user), typed_after_a_millisecond())
        await talk.idle()
        got = talk.texts(user)
        assert got.index(press_answer) < got.index(typed_answer), got
