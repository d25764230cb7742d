"""The visit tallies (db.models VisitTally and TeamDayTally): sums of the standing visits that
province and country reports read instead of the visits, kept equal to them in the same
transaction as every change.

Changes made through the ORM (a visit saved, corrected or undone, or rows a test adds) are
followed by the after_flush hook below, so no writer can forget them. Bulk statements that
bypass the ORM add their rows with `add_visit_rows` (demo data) or `recount` the tallies
(places moved, demo data cleared).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Table, bindparam, case, delete, event, func, insert, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from db.models import TeamDayTally, Visit, VisitTally

MEASURES = ("visits", "people", "follow_ups")
_FOLLOWED = ("team_id", "province", "commune_code", "visit_date", "services", "people", "outcome",
             "deleted_at")
"""The visit's columns a tally depends on."""

_VISIT_TALLIES: Table = VisitTally.__table__  # type: ignore[assignment]
_TEAM_TALLIES: Table = TeamDayTally.__table__  # type: ignore[assignment]
_UPSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}

Key = tuple[Any, ...]


class TallyChanges:
    """What some visit changes add to or take from each tally row, summed per row before
    anything is written (one statement per table)."""

    def __init__(self) -> None:
        self.deltas: dict[Table, dict[Key, list[int]]] = {
            _VISIT_TALLIES: defaultdict(lambda: [0, 0, 0]),
            _TEAM_TALLIES: defaultdict(lambda: [0, 0, 0])}

    def add(self, visit: Mapping[str, Any], sign: int) -> None:
        """Count a visit's values in (sign 1) or out (-1); an undone visit counts nowhere."""
        if visit.get("deleted_at") is not None:
            return
        commune = visit["commune_code"] or ""
        keys = {_VISIT_TALLIES: (visit["province"], commune, visit["visit_date"], visit["services"]),
                _TEAM_TALLIES: (visit["team_id"], visit["province"], commune, visit["visit_date"])}
        follow_up = 1 if visit["outcome"] == "follow_up" else 0
        for table, key in keys.items():
            delta = self.deltas[table][key]
            delta[0] += sign
            delta[1] += sign * int(visit["people"])
            delta[2] += sign * follow_up

    def statements(self, dialect: str) -> list[tuple[Executable, list[dict[str, Any]]]]:
        """Upserts adding every non-zero delta, then deletes of the rows left with no visit.
        Rows in key order, so that two transactions never wait on each other in a cycle."""
        statements: list[tuple[Executable, list[dict[str, Any]]]] = []
        for table, deltas in self.deltas.items():
            names = [column.name for column in table.primary_key.columns]
            changed = sorted((key, delta) for key, delta in deltas.items() if any(delta))
            if not changed:
                continue
            statements.append((_upsert(table, dialect), [
                dict(zip(names, key, strict=True)) | dict(zip(MEASURES, delta, strict=True))
                for key, delta in changed]))
            emptied = [dict(zip([f"key_{n}" for n in names], key, strict=True))
                       for key, delta in changed if delta[0] < 0]
            if emptied:
                statements.append((_delete_empty(table, names), emptied))
        return statements


def _upsert(table: Table, dialect: str) -> Executable:
    statement: Any = _UPSERT[dialect](table)  # either dialect's Insert has on_conflict_do_update
    return statement.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={name: table.c[name] + statement.excluded[name] for name in MEASURES})


def _delete_empty(table: Table, names: list[str]) -> Executable:
    return delete(table).where(*(table.c[name] == bindparam(f"key_{name}") for name in names),
                               table.c.visits == 0)


def _values_now(visit: Visit) -> dict[str, Any]:
    return {name: getattr(visit, name) for name in _FOLLOWED}


def _values_before(visit: Visit) -> dict[str, Any]:
    """The values the database held before this flush (active_history keeps them loaded)."""
    attributes = inspect(visit).attrs
    values = {}
    for name in _FOLLOWED:
        history = attributes[name].history
        values[name] = (history.deleted or history.unchanged or [getattr(visit, name)])[0]
    return values


@event.listens_for(Session, "after_flush")
def _follow_visits(session: Session, _context: Any) -> None:
    changes = TallyChanges()
    for visit in session.new:
        if isinstance(visit, Visit):
            changes.add(_values_now(visit), 1)
    for visit in session.dirty:
        if isinstance(visit, Visit):
            changes.add(_values_before(visit), -1)
            changes.add(_values_now(visit), 1)
    for visit in session.deleted:
        if isinstance(visit, Visit):
            changes.add(_values_before(visit), -1)
    connection = session.connection()
    for statement, rows in changes.statements(connection.dialect.name):
        connection.execute(statement, rows)


async def add_visit_rows(session: AsyncSession, rows: Iterable[Mapping[str, Any]]) -> None:
    """Count visits inserted as rows (bulk Core inserts the ORM does not see)."""
    changes = TallyChanges()
    for row in rows:
        changes.add(row, 1)
    for statement, params in changes.statements(session.get_bind().dialect.name):
        await session.execute(statement, params)


def visit_sums() -> tuple[Any, Any, Any]:
    """The MEASURES over grouped visits: how many, people guided, visits to come back to. What
    a tally keeps and what a report counts from the visits themselves."""
    return (func.count(), func.coalesce(func.sum(Visit.people), 0),
            func.coalesce(func.sum(case((Visit.outcome == "follow_up", 1), else_=0)), 0))


def recount_selects() -> dict[Table, Any]:
    """Each tally table's rows recounted from the visits, in its columns' order."""
    commune = func.coalesce(Visit.commune_code, "")
    sums = visit_sums()
    standing = Visit.deleted_at.is_(None)
    return {
        _VISIT_TALLIES: (select(Visit.province, commune, Visit.visit_date, Visit.services, *sums)
                         .where(standing)
                         .group_by(Visit.province, commune, Visit.visit_date, Visit.services)),
        _TEAM_TALLIES: (select(Visit.team_id, Visit.province, commune, Visit.visit_date, *sums)
                        .where(standing)
                        .group_by(Visit.team_id, Visit.province, commune, Visit.visit_date)),
    }


async def recount(session: AsyncSession) -> None:
    """Rebuild every tally from the visits, in the caller's transaction. On PostgreSQL, visits
    saved meanwhile wait for it (a SHARE lock), so none is counted twice or missed."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("LOCK TABLE visits IN SHARE MODE"))
        await session.execute(text("LOCK TABLE visit_tallies, team_day_tallies IN EXCLUSIVE MODE"))
    for table, recounted in recount_selects().items():
        await session.execute(delete(table))
        await session.execute(insert(table).from_select([c.name for c in table.columns], recounted))



async def mismatched(session: AsyncSession) -> int:
    """How many tally rows differ from the visits (missing, extra or with other sums)."""
    wrong = 0
    for table, recounted in recount_selects().items():
        stored = {tuple(row) for row in (await session.execute(select(table))).all()}
        expected = {tuple(row) for row in (await session.execute(recounted)).all()}
        wrong += len(stored ^ expected)
    return wrong
