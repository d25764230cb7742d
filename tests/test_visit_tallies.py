"""The visit tallies province and country reports read stay equal to the visits: through the chat
(save, correct, undo), through any ORM change, bulk demo data, moved places, concurrent saves
and rolled-back transactions. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from typing import Any

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.demo_data import clear_demo_data, generate_demo_data
from content.services import ServiceCatalog
from db.engine import create_engine, session_factory
from db.models import Team, TeamDayTally, Visit, VisitTally
from db.reports import ReportScope, build_report
from db.visit_tallies import add_visit_rows, mismatched, recount, recount_selects
from tests.cli_harness import run_cli
from tests.team_helpers import team_member
from tests.test_visits import fill_guided

Sessions = async_sessionmaker[AsyncSession]
COMMUNES = ["28273", "28249", None]
"""Phường Mỹ Phong, Phường Đạo Thạnh, and a visit whose place was not found."""


@pytest.fixture
async def member(pipeline):
    return await team_member(pipeline)


async def stored_and_recounted(sessions: Sessions) -> list[tuple[list[Any], list[Any]]]:
    async with sessions() as session:
        return [(sorted(tuple(row) for row in (await session.execute(select(table))).all()),
                 sorted(tuple(row) for row in (await session.execute(recounted)).all()))
                for table, recounted in recount_selects().items()]


async def assert_tallies_match(sessions: Sessions) -> None:
    for stored, recounted in await stored_and_recounted(sessions):
        assert stored == recounted


async def reports(sessions: Sessions, team_id: int) -> tuple[Any, Any]:
    """The team's report (read from its visits) and its province's (from the tallies)."""
    catalog = ServiceCatalog.load()
    start, end = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    async with sessions() as session:
        return (await build_report(session, ReportScope(team_id=team_id), start, end, catalog),
                await build_report(session, ReportScope(province="dong-thap"), start, end, catalog))


def figures(report: Any) -> Any:
    return (report.total, report.by_service, report.by_commune,
            [(row.team_id, row.visits, row.people, row.follow_ups) for row in report.by_team],
            report.by_day)


async def test_the_province_report_follows_every_save_correction_and_undo_in_chat(pipeline, member):
    await fill_guided(member)  # 3/10, Mỹ Phong, 4 people, dvc + tmdt, done
    await member.press("Lưu")
    await member.send("/gn 4/10; dao thanh; 2; dvc; can quay lai")
    await member.press("Lưu")
    await member.send("/sua")  # the second visit: 5 people, and done after all
    await member.press("visit:field:people")
    await member.send("5")
    await member.press("Lưu")
    await member.send("/sua")
    await member.press("visit:field:outcome")
    await member.press("visit:outcome:done")
    await member.press("Lưu")
    await member.send("/gn 4/10; dao thanh; 3; voso; xong")
    await member.press("Lưu")
    await member.press("Hoàn tác")  # the third does not count
    assert "Đã hoàn tác" in member.text
    await assert_tallies_match(pipeline.sessions)
    async with pipeline.sessions() as session:
        team_id = (await session.execute(select(Team.id))).scalar_one()
    team, province = await reports(pipeline.sessions, team_id)
    assert (province.total.visits, province.total.people, province.total.follow_ups) == (2, 9, 0)
    assert [(row.key, row.visits) for row in province.by_commune] == [
        ("Phường Đạo Thạnh", 1), ("Phường Mỹ Phong", 1)]
    assert figures(province) == figures(team)


def random_visit(rng: random.Random, team_ids: list[int]) -> dict[str, Any]:
    return {"team_id": rng.choice(team_ids), "province": "dong-thap",
            "commune_code": rng.choice(COMMUNES),
            "visit_date": dt.date(2024, 10, rng.randint(1, 4)), "people": rng.randint(1, 6),
            "services": rng.choice([1, 3, 9]), "outcome": rng.choice(["done", "follow_up"]),
            "channel": "zalo"}


async def make_teams(sessions: Sessions, count: int) -> list[int]:
    async with sessions.begin() as session:
        teams = [Team(name=f"Tổ {n}", province="dong-thap", commune_code="28273",
                      communes=["28273", "28249"]) for n in range(count)]
        session.add_all(teams)
        await session.flush()
        return [team.id for team in teams]


async def test_any_change_to_visits_through_the_orm_is_counted_in_the_same_transaction(sessions):
    """Adds, edits of every counted column (some just read again), undo, redo, deletes and
    a rolled-back transaction, in random order: after each commit the tallies equal the visits."""
    rng = random.Random(17)
    team_ids = await make_teams(sessions, 2)
    for _ in range(12):
        async with sessions() as session:
            async with session.begin():
                visits = list((await session.execute(select(Visit))).scalars())
                for _ in range(rng.randint(1, 4)):
                    await change_at_random(session, rng, visits, team_ids)
            async with session.begin():  # changes rolled back leave the tallies as they were
                session.add(Visit(**random_visit(rng, team_ids)))
                await session.flush()
                await session.rollback()
        await assert_tallies_match(sessions)
        await assert_same_report_from_tallies_and_visits(sessions)
    async with sessions() as session:
        assert (await session.execute(select(VisitTally))).first() is not None


async def assert_same_report_from_tallies_and_visits(sessions: Sessions) -> None:
    catalog = ServiceCatalog.load()
    start, end = dt.date(2024, 10, 1), dt.date(2024, 10, 4)
    async with sessions() as session:
        for scope in (ReportScope(), ReportScope("dong-thap", frozenset({"28249"}))):
            tallied = await build_report(session, scope, start, end, catalog)
            counted = await build_report(session, scope, start, end, catalog, from_visits=True)
            assert figures(tallied) == figures(counted)


async def change_at_random(session: AsyncSession, rng: random.Random, visits: list[Visit],
                           team_ids: list[int]) -> None:
    action = rng.choice(["add", "add", "edit", "edit", "undo", "redo", "delete"])
    if action == "add" or not visits:
        visit = Visit(**random_visit(rng, team_ids))
        session.add(visit)
        visits.append(visit)
    else:
        visit = rng.choice(visits)
        if rng.random() < 0.5:
            await session.refresh(visit)  # its old values read again from the database
        if action == "edit":
            name, value = rng.choice(list(random_visit(rng, team_ids).items()))
            setattr(visit, name, value)
        elif action in ("undo", "redo"):
            visit.deleted_at = dt.datetime(2024, 10, 5, tzinfo=dt.UTC) if action == "undo" else None
        else:
            await session.delete(visit)
            visits.remove(visit)
    await session.flush()


async def test_visits_saved_at_once_by_two_members_are_both_counted(sessions):
    """The second save's tally waits for the first transaction (a row lock on PostgreSQL, the
    write lock on SQLite) and then adds to the row the first one made."""
    team_id, = await make_teams(sessions, 1)
    visit = random_visit(random.Random(1), [team_id])
    async with sessions() as first, sessions() as second:
        async with first.begin():
            first.add(Visit(**visit))
            await first.flush()
            second_transaction = await second.begin()
            postgres = first.get_bind().dialect.name == "postgresql"
            pid = (await second.execute(text("SELECT pg_backend_pid()"))).scalar() if postgres else 0
            second.add(Visit(**visit))
            flushing = asyncio.create_task(second.flush())
            if postgres:
                await until_blocked(first, pid)
        await flushing
        await second_transaction.commit()
    await assert_tallies_match(sessions)
    async with sessions() as session:
        assert (await session.execute(select(TeamDayTally.visits))).scalar_one() == 2


async def until_blocked(session: AsyncSession, pid: int) -> None:
    """Wait (for what the database reports, not for a set time) until the backend `pid` waits
    for another transaction's lock."""
    blocked = text("SELECT cardinality(pg_blocking_pids(:pid)) > 0").bindparams(pid=pid)
    async with asyncio.timeout(10):
        while not (await session.execute(blocked)).scalar_one():  # noqa: ASYNC110
            await asyncio.sleep(0.01)  # the state is in the database, not in an event of ours


async def test_bulk_rows_demo_data_and_a_recount_keep_the_tallies_equal(sessions):
    rng = random.Random(3)
    team_ids = await make_teams(sessions, 3)
    rows = [random_visit(rng, team_ids) for _ in range(50)]
    async with sessions.begin() as session:
        await session.execute(Visit.__table__.insert(), rows)
        await add_visit_rows(session, rows)
    await assert_tallies_match(sessions)
    await generate_demo_data(sessions, teams=4, visits=300, subscribers=0)
    await assert_tallies_match(sessions)
    await clear_demo_data(sessions)
    await assert_tallies_match(sessions)
    async with sessions.begin() as session:  # tallies lost or wrong are rebuilt from the visits
        await session.execute(delete(VisitTally))
        await session.execute(TeamDayTally.__table__.update().values(visits=99))
    async with sessions.begin() as session:
        await recount(session)
    await assert_tallies_match(sessions)
    async with sessions() as session:
        assert sum((await session.execute(select(TeamDayTally.visits))).scalars()) == 50


def test_cdsbot_db_recount_repairs_tallies_changed_outside_the_bot(database_url):
    """An admin who edited visits with SQL runs `cdsbot db recount`: told how many tally rows
    were wrong, and the reports count the visits again."""
    async def edit_by_hand() -> None:
        engine = create_engine(database_url)
        sessions = session_factory(engine)
        try:
            team_ids = await make_teams(sessions, 1)
            async with sessions.begin() as session:
                session.add_all([Visit(**random_visit(random.Random(n), team_ids)) for n in range(3)])
            async with sessions.begin() as session:  # not through the ORM: the tallies miss it
                await session.execute(Visit.__table__.update().values(people=7))
            async with sessions() as session:
                assert await mismatched(session) > 0
        finally:
            await engine.dispose()

    async def still_wrong() -> int:
        engine = create_engine(database_url)
        try:
            async with session_factory(engine)() as session:
                return await mismatched(session)
        finally:
            await engine.dispose()

    asyncio.run(edit_by_hand())
    result = run_cli("db", "recount", env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert "rows were out of step" in result.stdout and " 0 rows" not in result.stdout
    assert asyncio.run(still_wrong()) == 0
