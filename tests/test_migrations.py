"""Migrations that change data: questions logged before 0009 lose the personal data in them."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from db.engine import create_engine
from db.migrate import upgrade
from tests.conftest import _create_postgres_database, _drop_postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
        return
    admin = os.environ.get("TEST_POSTGRES_URL")
    if not admin:
        pytest.skip("TEST_POSTGRES_URL is not set")
    url = asyncio.run(_create_postgres_database(admin))
    try:
        yield url
    finally:
        asyncio.run(_drop_postgres_database(admin, url))


async def test_questions_logged_before_0009_are_redacted(empty_database):
    await upgrade(empty_database, "0008_drop_sent_reminders")
    engine = create_engine(empty_database)
    try:
        async with engine.begin() as connection:
            for question in ("toi ten nguyen van an so dien thoai 0987654321 hoi cuoc thi",
                             "ngay chuyen doi so la ngay nao"):
                await connection.execute(text(
                    "INSERT INTO question_log (created_at, channel, normalized_text, score, matched)"
                    " VALUES (:at, 'telegram', :q, 0.1, false)"),
                    {"at": dt.datetime(2024, 10, 5, tzinfo=dt.UTC), "q": question})
        await upgrade(empty_database)
        async with engine.connect() as connection:
            rows = (await connection.execute(text(
                "SELECT text, normalized_text FROM question_log ORDER BY id"))).all()
    finally:
        await engine.dispose()
    assert [tuple(row) for row in rows] == [
        (None, "toi ten [NAME] so dien thoai [PHONE] hoi cuoc thi"),
        (None, "ngay chuyen doi so la ngay nao")]
