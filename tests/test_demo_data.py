"""`cdsbot demo-data`: synthetic teams, visits and subscribers, all marked demo (SQLite and
PostgreSQL), and the command's refusal to touch what may be a production database."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli import main
from bot.demo_data import (
    DEMO_CHANNEL,
    campaign_windows,
    clear_demo_data,
    generate_demo_data,
    has_real_data,
)
from bot.demo_shape import PLACES, SPREAD_DAYS
from content.places import admin_units
from content.services import ServiceCatalog
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import TOPICS, ChannelIdentity, Role, Subscription, Team, TeamMember, User, Visit

Sessions = async_sessionmaker[AsyncSession]
SMALL = {"teams": 9, "visits": 400, "subscribers": 30}


async def _all(sessions: Sessions, model: type[Any]) -> list[Any]:
    async with sessions() as session:
        return list((await session.execute(select(model).order_by(*model.__table__.primary_key)))
                    .scalars())


async def _count(sessions: Sessions, model: type[Any]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _add_real_team(sessions: Sessions) -> None:
    """A real leader, their team and one visit, as the bot would have stored them."""
    async with sessions.begin() as session:
        user = User(locale="vi", province="dong-thap", role=int(Role.LEADER))
        session.add(user)
        await session.flush()
        session.add(ChannelIdentity(user_id=user.id, channel="telegram", external_id="42",
                                    chat_id="42"))
        team = Team(name="Tổ CNSCĐ phường Mỹ Phong", province="dong-thap", commune_code="28273",
                    communes=["28273"])
        session.add(team)
        await session.flush()
        session.add(TeamMember(user_id=user.id, team_id=team.id, role=int(Role.LEADER)))
        session.add(Visit(team_id=team.id, member_id=user.id, province="dong-thap",
                          commune_code="28273", visit_date=dt.date(2022, 10, 5),
                          people=2, services=1, outcome="done", channel="telegram"))


async def test_generates_what_was_asked_all_marked_demo(sessions: Sessions) -> None:
    summary = await generate_demo_data(sessions, **SMALL)
    teams = await _all(sessions, Team)
    users = await _all(sessions, User)
    members = await _all(sessions, TeamMember)
    assert (summary.teams, summary.visits, summary.subscribers) == (9, 400, 30)
    assert len(teams) == 9 and await _count(sessions, Visit) == 400
    assert len(users) == summary.members + 30 == len(members) + 30
    assert all(team.is_demo for team in teams) and all(user.is_demo for user in users)
    # The seed provinces of PLACES, under the current provinces they are part of.
    assert {team.province for team in teams} == {"dong-thap", "hung-yen", "quang-ngai", "nghe-an"}
    identities = await _all(sessions, ChannelIdentity)
    assert sorted(i.user_id for i in identities) == sorted(u.id for u in users)
    assert {i.channel for i in identities} == {DEMO_CHANNEL}
    subscriptions = await _all(sessions, Subscription)
    assert len(subscriptions) == summary.subscriptions
    per_user = Counter(s.user_id for s in subscriptions)
    citizens = [u for u in users if u.role == Role.CITIZEN]
    assert len(citizens) == 30 and all(1 <= per_user[u.id] <= 3 for u in citizens)
    assert {s.topic for s in subscriptions} <= set(TOPICS)
    assert all(u.province in {"dong-thap", "hung-yen", "quang-ngai", "nghe-an"} and u.location_consent for u in citizens)


async def test_teams_have_real_places_and_one_leader(sessions: Sessions) -> None:
    await generate_demo_data(sessions, teams=12, visits=0, subscribers=0)
    members = Counter[int]()
    leaders = Counter[int]()
    for member in await _all(sessions, TeamMember):
        members[member.team_id] += 1
        leaders[member.team_id] += member.role == Role.LEADER
    units = admin_units()
    for team in await _all(sessions, Team):
        former = team.former_place
        assert former is not None and set(former["communes"]) <= set(
            PLACES[former["province"]][former["district"]])
        # Today's communes of the team's province, the ones the former communes became.
        assert team.communes and team.commune_code == team.communes[0]
        assert all(units.communes[c].province == team.province for c in team.communes)
        assert units.current_province(former["province"]).slug == team.province
        assert team.name.startswith("Tổ CNSCĐ") and team.name.endswith(
            f"xã {former['communes'][0]}")
        assert 3 <= members[team.id] <= 8 and leaders[team.id] == 1


async def test_visits_stay_within_bounds(sessions: Sessions) -> None:
    await generate_demo_data(sessions, **SMALL)
    teams = {team.id: team for team in await _all(sessions, Team)}
    team_of = {m.user_id: m.team_id for m in await _all(sessions, TeamMember)}
    catalog = ServiceCatalog.load()
    all_bits = sum(1 << s.bit for s in catalog.services)
    other = catalog.mask(["other"])
    windows = campaign_windows()
    spread = dt.timedelta(days=SPREAD_DAYS)
    visits = await _all(sessions, Visit)
    for visit in visits:
        team = teams[visit.team_id]
        assert team.is_demo and team_of[visit.member_id] == team.id
        assert visit.province == team.province and visit.former_province is not None
        assert visit.commune_code in team.communes and visit.channel == DEMO_CHANNEL
        assert visit.former_commune in team.former_place["communes"]
        assert any(start - spread <= visit.visit_date <= end + spread
                   for start, end in windows[visit.former_province])
        assert 1 <= visit.people <= 12
        assert visit.services & ~all_bits == 0 and 1 <= visit.services.bit_count() <= 3
        assert (visit.other_service is not None) == bool(visit.services & other)
        assert visit.outcome in ("done", "follow_up") and visit.deleted_at is None
    in_window = sum(any(start <= v.visit_date <= end for start, end in windows[v.former_province])
                    for v in visits)
    assert in_window > len(visits) / 2, "most visits fall on the campaign days"
    assert Counter(v.outcome for v in visits).most_common(1)[0][0] == "done"
    assert sum(v.people <= 3 for v in visits) > len(visits) / 2, "small visits are the most common"
    assert any(v.address and v.address.startswith("Tổ ") for v in visits)


async def test_clear_removes_only_demo_rows(sessions: Sessions) -> None:
    await _add_real_team(sessions)
    assert await has_real_data(sessions)
    await generate_demo_data(sessions, **SMALL)
    assert await clear_demo_data(sessions) > 400
    assert [u.is_demo for u in await _all(sessions, User)] == [False]
    assert [t.name for t in await _all(sessions, Team)] == ["Tổ CNSCĐ phường Mỹ Phong"]
    for model in (Visit, TeamMember, ChannelIdentity):
        assert await _count(sessions, model) == 1
    assert await _count(sessions, Subscription) == 0


async def test_demo_data_alone_is_not_real_data(sessions: Sessions) -> None:
    assert not await has_real_data(sessions)
    await generate_demo_data(sessions, teams=2, visits=10, subscribers=2)
    assert not await has_real_data(sessions)
    # A second run adds to the first without colliding (identities are unique per channel).
    await generate_demo_data(sessions, teams=2, visits=10, subscribers=2)
    assert await _count(sessions, Team) == 4 and await _count(sessions, Visit) == 20


def _visit_facts(visit: Visit) -> tuple[Any, ...]:
    return (visit.province, visit.commune_code, visit.former_commune, visit.address,
            visit.visit_date,
            visit.people, visit.services, visit.other_service, visit.outcome, visit.note)


async def _snapshot(sessions: Sessions) -> tuple[list[Any], list[Any]]:
    teams = [(t.name, t.province, t.commune_code, t.communes) for t in await _all(sessions, Team)]
    return teams, [_visit_facts(v) for v in await _all(sessions, Visit)]


async def test_same_seed_same_data(sessions: Sessions) -> None:
    await generate_demo_data(sessions, teams=5, visits=200, subscribers=5, seed=3)
    first = await _snapshot(sessions)
    await clear_demo_data(sessions)
    await generate_demo_data(sessions, teams=5, visits=200, subscribers=5, seed=3)
    assert await _snapshot(sessions) == first
    await clear_demo_data(sessions)
    await generate_demo_data(sessions, teams=5, visits=200, subscribers=5, seed=4)
    assert await _snapshot(sessions) != first


async def test_progress_reports_every_visit(sessions: Sessions) -> None:
    reported: list[int] = []
    await generate_demo_data(sessions, teams=1, visits=25, subscribers=0, progress=reported.append)
    assert sum(reported) == 25
    with pytest.raises(ValueError):
        await generate_demo_data(sessions, teams=0, visits=1, subscribers=0)


# -- the command (SQLite only: it is about the checks, not the storage) --------------------------

def _cli(url: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["demo-data", *args],
                              env={"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})


def test_command_refuses_a_database_with_real_data_without_yes(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    asyncio.run(upgrade(url))
    engine = create_engine(url)
    asyncio.run(_add_real_team(session_factory(engine)))
    asyncio.run(engine.dispose())
    refused = _cli(url, "--teams", "2", "--visits", "20", "--subscribers", "3")
    assert refused.exit_code == 2
    assert "real (non-demo) users or teams" in refused.output and "--yes" in refused.output
    done = _cli(url, "--teams", "2", "--visits", "20", "--subscribers", "3", "--yes")
    assert done.exit_code == 0, done.output
    assert "2 teams" in done.output and "20 visits" in done.output
    cleared = _cli(url, "--clear")
    assert cleared.exit_code == 0 and "Removed" in cleared.output


def test_command_runs_on_an_empty_database_without_yes(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    for _ in range(2):  # the second time the database holds demo data only
        result = _cli(url, "--teams", "1", "--visits", "5", "--subscribers", "1")
        assert result.exit_code == 0, result.output
