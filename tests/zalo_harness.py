"""The Zalo channel wired to the fake Zalo server and the real pipeline, for tests: post signed
events, read what the fake received. The `zalo` fixture (tests/conftest.py) builds one."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.channels.zalo import PAYLOAD_MARK, WEBHOOK_PATH, ZaloChannel
from bot.pipeline import Pipeline
from bot.platforms.zalo import ZaloPlatform
from bot.settings import Settings
from bot.web import create_web_app
from db.engine import create_engine, session_factory
from db.models import ButtonChoices
from handlers.context import Services
from tests.fakes.zalo_api import FakeZalo, SentRecord


@dataclass
class Zalo:
    fake: FakeZalo
    channel: ZaloChannel
    pipeline: Pipeline
    client: TestClient

    async def post(self, event: dict, *, body: bytes | None = None, headers: dict | None = None) -> int:
        signed_body, signed_headers = self.fake.signed_event(event)
        response = await self.client.post(WEBHOOK_PATH, data=body if body is not None else signed_body,
                                          headers=headers if headers is not None else signed_headers)
        await self.channel.idle()
        return response.status

    async def say(self, user_id: str, text: str) -> list[SentRecord]:
        before = len(self.fake.sent_to(user_id))
        assert await self.post(self.fake.text_event(user_id, text)) == 200
        return self.fake.sent_to(user_id)[before:]

    async def press(self, user_id: str, payload: str) -> list[SentRecord]:
        """Press a template button, or type the number of a button listed under the text."""
        offered = [b["payload"] for r in self.fake.sent_to(user_id) for b in r.buttons]
        if PAYLOAD_MARK + payload in offered:
            return await self.say(user_id, PAYLOAD_MARK + payload)
        async with self.pipeline.sessions() as session:
            row = await session.get(ButtonChoices, ("zalo", user_id))
        numbers = {p: n for n, p in (row.choices if row else {}).items()}
        assert payload in numbers, f"no button {payload}: {offered} {numbers}"
        return await self.say(user_id, numbers[payload])

    async def count(self, model, *where) -> int:
        async with self.pipeline.sessions() as session:
            return int((await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


def texts(records: list[SentRecord]) -> str:
    return "\n".join(r.text or "" for r in records)


@asynccontextmanager
async def zalo_harness(services: Services, url: str,
                       clock: Callable[[], dt.datetime]) -> AsyncIterator[Zalo]:
    """The Zalo channel of a bot on the database `url`, talking to a fresh fake Zalo server."""
    engine = create_engine(url)
    async with FakeZalo(app_id="app1", app_secret="appsecret", oa_secret_key="oakey") as fake:
        access, refresh = fake.issue_tokens()
        settings = Settings(
            _env_file=None, database_url=url, zalo_app_id="app1", zalo_app_secret="appsecret",  # type: ignore[call-arg]
            zalo_oa_secret_key="oakey", zalo_access_token=access, zalo_refresh_token=refresh,
            zalo_api_base_url=fake.api_base_url, zalo_oauth_base_url=fake.oauth_base_url)
        sessions = session_factory(engine)
        pipeline = Pipeline(services, sessions, clock=clock)
        platform = ZaloPlatform(settings, sessions)
        await platform.start()
        channel = ZaloChannel(settings, pipeline, platform)
        await channel.start()
        web_app = create_web_app()
        channel.add_routes(web_app)
        client = TestClient(TestServer(web_app))
        await client.start_server()
        try:
            yield Zalo(fake, channel, pipeline, client)
        finally:
            await client.close()
            await channel.stop()
            await platform.close()
            await engine.dispose()
