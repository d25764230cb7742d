"""/healthz says the process serves; /readyz says whether it can work: 503 while the database (or
Redis, when configured) does not answer, 200 again once it does."""

from __future__ import annotations

import logging
import os

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import open_app
from bot.failure_log import FailureLog
from bot.pipeline import Pipeline
from bot.runner import readiness_checks
from bot.settings import Settings
from bot.web import create_web_app
from db.engine import create_engine, session_factory
from db.models import Base
from handlers.messages import IncomingMessage
from tests.conftest import _admin_connection


def _settings(url: str, **extra: str) -> Settings:
    return Settings(_env_file=None, database_url=url, **extra)  # type: ignore[call-arg]


async def _get(app, path: str) -> tuple[int, dict]:
    client = TestClient(TestServer(create_web_app(readiness_checks(app))))
    await client.start_server()
    try:
        response = await client.get(path)
        return response.status, await response.json()
    finally:
        await client.close()


async def test_ready_when_the_database_answers(database_url):
    async with open_app(_settings(database_url)) as app:
        assert await _get(app, "/readyz") == (200, {"status": "ready", "checked": ["database"]})
        assert (await _get(app, "/healthz"))[0] == 200


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
async def test_not_ready_while_the_database_is_away_and_ready_again_after(database_url):
    name = make_url(database_url).database
    async with open_app(_settings(database_url)) as app:
        assert (await _get(app, "/readyz"))[0] == 200
        async with _admin_connection(os.environ["TEST_POSTGRES_URL"]) as admin:
            await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = $1", name)
        try:
            status, body = await _get(app, "/readyz")
            assert (status, body) == (503, {"status": "unavailable", "failing": ["database"]})
            assert (await _get(app, "/healthz"))[0] == 200  # alive all the same
        finally:
            async with _admin_connection(os.environ["TEST_POSTGRES_URL"]) as admin:
                await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        assert (await _get(app, "/readyz"))[0] == 200


async def test_not_ready_when_the_configured_redis_does_not_answer(database_url):
    async with open_app(_settings(database_url, redis_url="redis://127.0.0.1:1/0")) as app:
        assert await _get(app, "/readyz") == (503, {"status": "unavailable", "failing": ["redis"]})


async def test_a_database_recreated_empty_is_named_by_readiness_and_the_log(database_url, caplog):
    async with open_app(_settings(database_url)) as app:
        async with app.engine.begin() as connection:  # as if the database were recreated empty
            await connection.run_sync(Base.metadata.drop_all)
            await connection.execute(text("DROP TABLE alembic_version"))
        status, body = await _get(app, "/readyz")
        assert (status, body) == (503, {"status": "unavailable", "failing": ["database"]})
        replies = await app.pipeline.process(IncomingMessage("test", "u1", "u1", text="/menu"))
        assert "gặp sự cố" in replies[0].text
    said = "\n".join(record.getMessage() for record in caplog.records)
    assert said.count("no tables (was it recreated empty?)") == 2, said  # readiness and pipeline


async def test_an_outage_logs_the_first_failure_and_then_a_summary(services, caplog):
    engine = create_engine("postgresql+asyncpg://bot@127.0.0.1:1/cdsbot")  # nobody listens
    now = [0.0]
    try:
        pipeline = Pipeline(services, session_factory(engine))
        pipeline.failures = FailureLog(logging.getLogger("bot.pipeline"), interval=60, clock=lambda: now[0])
        for n in range(300):
            now[0] = n * 0.1  # 300 messages in 30 s
            replies = await pipeline.process(IncomingMessage("test", f"u{n}", f"u{n}", text="/menu"))
            assert "gặp sự cố" in replies[0].text  # everyone is told
        now[0] = 61.0
        await pipeline.process(IncomingMessage("test", "late", "late", text="/menu"))
    finally:
        await engine.dispose()
    errors = [r for r in caplog.records if r.name == "bot.pipeline" and r.levelno >= logging.ERROR]
    assert len(errors) == 3, [r.getMessage() for r in errors]  # first, summary, first of the next
    assert errors[0].exc_info is not None and "299 more failures" in errors[1].getMessage()
