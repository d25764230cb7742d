"""Visit reports for officers and team leaders: totals and breakdowns aggregated in the database
(one GROUP BY query each, never the visits loaded into Python), and the detail rows streamed.

Every query counts only the visits of the scope and period that were not undone (`deleted_at`).
Reports of a province or the country read the visit tallies (db/visit_tallies.py), a few hundred
thousand sums for a million visits; one team's report reads its visits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator, Iterable, Sequence
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from content.places import admin_units
from content.services import ServiceCatalog
from db.models import Team, TeamDayTally, Visit, VisitTally
from db.visit_tallies import MEASURES, visit_sums


@dataclass(frozen=True)
class ReportScope:
    """Whose visits: everything (all empty), a current province, some of its communes (codes),
    or one team. A team wins over the places. Visits roll up under the current units whenever
    they were logged: those from before 1/7/2025 were moved to them (migration 0011)."""

    province: str | None = None
    communes: frozenset[str] = frozenset()
    team_id: int | None = None

    def __post_init__(self) -> None:
        if self.communes and self.province is None and self.team_id is None:
            raise ValueError("a commune scope needs its province")

    def visit_filter(self) -> list[ColumnElement[bool]]:
        if self.team_id is not None:
            return [Visit.team_id == self.team_id]
        return _place_filter(Visit.province, Visit.commune_code, self)

    def team_filter(self) -> list[ColumnElement[bool]]:
        if self.team_id is not None:
            return [Team.id == self.team_id]
        return _place_filter(Team.province, Team.commune_code, self)


def _place_filter(province: Any, commune: Any, scope: ReportScope) -> list[ColumnElement[bool]]:
    conditions = []
    if scope.province is not None:
        conditions.append(province == scope.province)
    if scope.communes:
        conditions.append(commune.in_(sorted(scope.communes)))
    return conditions


@dataclass(frozen=True)
class Row:
    """Visits logged, people guided, and visits where the team must come back."""

    key: str
    visits: int
    people: int
    follow_ups: int


@dataclass(frozen=True)
class CommuneRow(Row):
    """`key` is the current commune's name ("" when a visit's place was not found); `code` its
    official code."""

    code: str


@dataclass(frozen=True)
class TeamRow(Row):
    """`key` is the team id as text; `commune` names every commune the team covers (its own
    first)."""

    team_id: int
    name: str
    commune: str


@dataclass(frozen=True)
class DayRow:
    day: dt.date
    visits: int
    people: int


@dataclass
class Report:
    scope: ReportScope
    start: dt.date
    end: dt.date
    total: Row
    by_service: list[Row] = field(default_factory=list)
    """Every service of the catalog, in its order; a visit counts once for each service it has."""
    by_commune: list[CommuneRow] = field(default_factory=list)
    """Most visits first; at equal visits by code, visits whose place was not found last."""
    by_team: list[TeamRow] = field(default_factory=list)
    """Every team in scope, most visits first; teams that logged nothing have zeros."""
    by_day: list[DayRow] = field(default_factory=list)
    """Every day of the period, zeros included."""
    silent_teams: list[TeamRow] = field(default_factory=list)
    """Teams in scope with no visit in the period, by commune and name."""
    scope_label: str | None = None
    """The scope as people read it ("Phường Mỹ Phong, Đồng Tháp"), when the caller knows it."""


class VisitRow(NamedTuple):
    """One visit of the detail export. A tuple, not a dataclass: exports build a million."""

    visit_date: dt.date
    team: str
    commune_code: str | None
    former_commune: str | None
    """With `former_district`: where it was recorded before the two-tier reform, as written."""
    former_district: str | None
    address: str | None
    people: int
    services: int
    """The bit mask as stored; `ServiceCatalog.codes_in` reads it."""
    other_service: str | None
    outcome: str
    note: str | None


@cache  # a country's report names 2,000 teams' communes; the units do not change while running
def commune_name(code: str | None) -> str:
    """A current commune's name, "" for none (a visit whose recorded place was not found)."""
    commune = admin_units().commune(code)
    return commune.name if commune else (code or "")


def _counted(scope: ReportScope, start: dt.date, end: dt.date) -> list[ColumnElement[bool]]:
    return [*scope.visit_filter(), Visit.visit_date >= start, Visit.visit_date <= end,
            Visit.deleted_at.is_(None)]


@dataclass(frozen=True)
class _Source:
    """Where a breakdown reads from: the visits themselves, or one of their tallies (sums kept
    by db/visit_tallies.py). The same GROUP BY over either gives the same rows."""

    services: Any
    commune: Any
    day: Any
    team: Any
    sums: tuple[Any, Any, Any]
    """Visits, people and follow-ups summed over the rows grouped."""
    where: list[ColumnElement[bool]]


def _visits_source(scope: ReportScope, start: dt.date, end: dt.date) -> _Source:
    return _Source(Visit.services, Visit.commune_code, Visit.visit_date, Visit.team_id,
                   visit_sums(), _counted(scope, start, end))


def _tally_source(tally: type[VisitTally] | type[TeamDayTally], scope: ReportScope,
                  start: dt.date, end: dt.date) -> _Source:
    return _Source(getattr(tally, "services", None), tally.commune_code, tally.visit_date,
                   getattr(tally, "team_id", None),
                   tuple(func.coalesce(func.sum(getattr(tally, name)), 0)  # type: ignore[arg-type]
                         for name in MEASURES),
                   [*_place_filter(tally.province, tally.commune_code, scope),
                    tally.visit_date >= start, tally.visit_date <= end])


def _sources(scope: ReportScope, start: dt.date, end: dt.date,
             from_visits: bool) -> tuple[_Source, _Source]:
    """(for the services, communes and days; for the teams). One team's visits are few and
    its own index finds them; a province's or the country's are read from the tallies."""
    if scope.team_id is not None or from_visits:
        visits = _visits_source(scope, start, end)
        return visits, visits
    return (_tally_source(VisitTally, scope, start, end),
            _tally_source(TeamDayTally, scope, start, end))


AnySelect = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class ReportQueries:
    """One aggregate query per breakdown (GROUP BY in the database). Public so that the
    benchmark can time and EXPLAIN each one."""

    by_services: AnySelect
    """Per set of services a visit has (a few dozen sets): the total and every service's sums
    are added up from it, in one cheap GROUP BY instead of two passes of conditional sums."""
    by_commune: AnySelect
    by_team: AnySelect
    by_day: AnySelect

    def items(self) -> list[tuple[str, AnySelect]]:
        return [(breakdown.name, getattr(self, breakdown.name)) for breakdown in fields(self)]


def report_queries(scope: ReportScope, start: dt.date, end: dt.date, services: ServiceCatalog,
                   *, from_visits: bool = False) -> ReportQueries:
    """`from_visits` reads the visits even where tallies would do: the benchmark's baseline, and
    the tests' proof that both give the same report."""
    places, teams = _sources(scope, start, end, from_visits)
    return ReportQueries(
        by_services=(select(places.services, *places.sums).where(*places.where)
                     .group_by(places.services)),
        by_commune=(select(places.commune, *places.sums).where(*places.where)
                    .group_by(places.commune)),
        by_team=_team_query(scope, teams),
        by_day=(select(places.day, *places.sums[:2]).where(*places.where)
                .group_by(places.day)),
    )


async def build_report(session: AsyncSession, scope: ReportScope, start: dt.date, end: dt.date,
                       services: ServiceCatalog, *, from_visits: bool = False) -> Report:
    """Aggregate the visits of `scope` dated start..end (both included)."""
    queries = report_queries(scope, start, end, services, from_visits=from_visits)
    rows = {name: (await session.execute(query)).all() for name, query in queries.items()}
    by_team = _team_rows(rows["by_team"])
    return Report(
        scope=scope, start=start, end=end,
        total=Row("total", *_summed(rows["by_services"])),
        by_service=[Row(service.code, *_summed(row for row in rows["by_services"]
                                               if int(row[0] or 0) >> service.bit & 1))
                    for service in services.services],
        by_commune=sorted((CommuneRow(commune_name(code), int(visits), int(people),
                                      int(follow_ups), code or "")
                           for code, visits, people, follow_ups in rows["by_commune"]),
                          key=lambda row: (-row.visits, not row.code, row.code)),
        by_team=by_team,
        by_day=_every_day(rows["by_day"], start, end),
        silent_teams=sorted((row for row in by_team if row.visits == 0),
                            key=lambda row: (row.commune, row.name)),
    )


def _summed(rows: Iterable[Any]) -> tuple[int, int, int]:
    """Visits, people and follow-ups of by_services rows (services, count, people, follow-ups)."""
    visits = people = follow_ups = 0
    for _, count, guided, back in rows:
        visits, people, follow_ups = visits + int(count), people + int(guided), follow_ups + int(back)
    return visits, people, follow_ups


def _team_rows(rows: Sequence[Any]) -> list[TeamRow]:
    teams = [TeamRow(str(team_id), int(visits), int(people), int(follow_ups), team_id=team_id,
                     name=name, commune=", ".join(
                         commune_name(code) for code in dict.fromkeys([commune, *(others or [])])
                         if code))
             for team_id, name, commune, others, visits, people, follow_ups in rows]
    return sorted(teams, key=lambda row: (-row.visits, row.name, row.team_id))


def _team_query(scope: ReportScope, source: _Source) -> AnySelect:
    """Teams of the scope joined to their aggregated visits, so silent teams get zeros."""
    counts = (select(source.team.label("team_id"),
                     *(c.label(n) for c, n in zip(source.sums, MEASURES, strict=True)))
              .where(*source.where).group_by(source.team).subquery())
    return (select(Team.id, Team.name, Team.commune_code, Team.communes,
                   *(func.coalesce(counts.c[n], 0) for n in MEASURES))
            .outerjoin(counts, counts.c.team_id == Team.id)
            .where(*scope.team_filter()))


def _every_day(rows: Sequence[Any], start: dt.date, end: dt.date) -> list[DayRow]:
    found = {day: (int(visits), int(people)) for day, visits, people in rows}
    days = (start + dt.timedelta(days=i) for i in range((end - start).days + 1))
    return [DayRow(day, *found.get(day, (0, 0))) for day in days]


def visits_query(scope: ReportScope, start: dt.date, end: dt.date) -> AnySelect:
    """The detail rows, by date then id (the order officers read them in)."""
    return (select(Visit.visit_date, Team.name, Visit.commune_code, Visit.former_commune,
                   Visit.former_district, Visit.address,
                   Visit.people, Visit.services, Visit.other_service, Visit.outcome, Visit.note)
            .join(Team, Team.id == Visit.team_id)
            .where(*_counted(scope, start, end))
            .order_by(Visit.visit_date, Visit.id))


async def stream_visits(session: AsyncSession, scope: ReportScope, start: dt.date, end: dt.date,
                        batch_size: int = 5000) -> AsyncGenerator[VisitRow, None]:
    """Every visit of the report, fetched `batch_size` rows at a time through a server-side
    cursor, so memory stays flat however many there are."""
    query = visits_query(scope, start, end).execution_options(yield_per=batch_size)
    result = await session.stream(query)
    try:
        async for partition in result.partitions():
            for row in partition:
                yield VisitRow._make(row)
    finally:
        await result.close()


class ReportRepository:
    """The visit reports a handler asks for, in the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def build(self, scope: ReportScope, start: dt.date, end: dt.date,
                    services: ServiceCatalog) -> Report:
        return await build_report(self.session, scope, start, end, services)

    def visits(self, scope: ReportScope, start: dt.date, end: dt.date) -> AsyncGenerator[VisitRow, None]:
        """Every visit of the report, streamed (see stream_visits)."""
        return stream_visits(self.session, scope, start, end)
