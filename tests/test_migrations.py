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


async def _insert(connection, sql: str, **values) -> int | None:
    result = await connection.execute(text(sql + " RETURNING id"), values)
    return result.scalar()


async def test_a_database_of_the_district_era_moves_to_the_current_units_and_keeps_the_record(
        empty_database):
    """Teams, visits, citizens and an officer of a district, as main stored them before
    0011, move to today's province and communes; the former place stays readable and reports
    roll visits from before and after 1/7/2025 up under the current units."""
    from content.services import ServiceCatalog
    from db.engine import session_factory
    from db.reports import ReportScope, build_report, stream_visits

    await upgrade(empty_database, "0010_inbox_outbox")
    engine = create_engine(empty_database)
    at = dt.datetime(2024, 9, 1, tzinfo=dt.UTC)
    try:
        async with engine.begin() as connection:
            officer = await _insert(connection, (
                "INSERT INTO users (created_at, last_seen_at, role, location_consent, is_demo,"
                " scope_province, scope_district) VALUES (:at, :at, 30, false, false,"
                " 'tien-giang', 'Mỹ Tho')"), at=at)
            citizen = await _insert(connection, (
                "INSERT INTO users (created_at, last_seen_at, role, location_consent, is_demo,"
                " province) VALUES (:at, :at, 0, true, false, 'thai-binh')"), at=at)
            team = await _insert(connection, (
                "INSERT INTO teams (name, province, district, communes, created_at, is_demo)"
                " VALUES ('Tổ CNSCĐ xã Mỹ Phong', 'tien-giang', 'Mỹ Tho',"
                " '[\"Mỹ Phong\", \"Tân Mỹ Chánh\"]', :at, false)"), at=at)
            for day, commune in ((dt.date(2024, 10, 8), "Mỹ Phong"),
                                 (dt.date(2024, 10, 9), "Tân Mỹ Chánh"),
                                 (dt.date(2025, 8, 2), "Mỹ Phong")):
                await _insert(connection, (
                    "INSERT INTO visits (team_id, province, district, commune, visit_date,"
                    " people, services, outcome, channel, created_at, updated_at) VALUES"
                    " (:team, 'tien-giang', 'Mỹ Tho', :commune, :day, 2, 1, 'done', 'zalo',"
                    " :at, :at)"), team=team, commune=commune, day=day, at=at)
        await upgrade(empty_database)
        async with engine.connect() as connection:
            users = {row[0]: row[1:] for row in (await connection.execute(text(
                "SELECT id, province, scope_province, scope_communes FROM users"))).all()}
            team_row = (await connection.execute(text(
                "SELECT province, commune_code, communes, former_place FROM teams"))).one()
            visit_columns = list((await connection.execute(text(
                "SELECT * FROM visits LIMIT 0"))).keys())
        sessions = session_factory(engine)
        async with sessions() as session:
            report = await build_report(session, ReportScope(province="dong-thap"),
                                        dt.date(2024, 1, 1), dt.date(2025, 12, 31),
                                        ServiceCatalog.load())
            rows = [row async for row in stream_visits(session, ReportScope(province="dong-thap"),
                                                       dt.date(2024, 1, 1), dt.date(2025, 12, 31))]
    finally:
        await engine.dispose()
    assert "district" not in visit_columns and "former_district" in visit_columns
    assert users[citizen][0] == "hung-yen"
    assert users[officer][1] == "dong-thap" and "28273" in _json(users[officer][2])
    province, commune, communes, former = team_row
    assert (province, commune, _json(communes)) == ("dong-thap", "28273", ["28273"])
    assert _json(former) == {"province": "tien-giang", "district": "Mỹ Tho",
                             "communes": ["Mỹ Phong", "Tân Mỹ Chánh"]}
    # Both former communes became Phường Mỹ Phong: all three visits roll up there.
    assert [(r.key, r.visits) for r in report.by_commune] == [("Phường Mỹ Phong", 3)]
    assert report.total.visits == 3 and [t.commune for t in report.by_team] == ["Phường Mỹ Phong"]
    assert [(r.former_commune, r.former_district) for r in rows] == [
        ("Mỹ Phong", "Mỹ Tho"), ("Tân Mỹ Chánh", "Mỹ Tho"), ("Mỹ Phong", "Mỹ Tho")]


def _json(value):
    import json

    return json.loads(value) if isinstance(value, str) else value
