"""The report page's scope picker: within what a person may see (handlers.reports.scope_for),
a province (admins), one of its communes, or one team of that commune. Every choice is checked
here, on the server: a province, commune or team outside the person's own is a 403, whatever
the URL says."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from aiohttp import web

from content.collation import vietnamese_order
from content.places import admin_units
from content.places.units import Commune, Province
from db.models import Team
from db.reports import ReportScope
from db.teams import Scope, TeamRepository
from handlers.numbers import read_id


@dataclass(frozen=True)
class Picked:
    """The scope chosen, and what the picker offers next to it."""

    scope: ReportScope
    province: str | None = None
    commune: str | None = None
    team: int | None = None
    provinces: list[Province] = field(default_factory=list)
    """Offered to admins."""
    communes: list[Commune] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    """The chosen commune's teams."""

    def query(self) -> str:
        """The choice as URL parameters, for the links of the page (days, downloads)."""
        pairs = [("province", self.province), ("commune", self.commune),
                 ("team", str(self.team) if self.team else None)]
        return urlencode([(name, value) for name, value in pairs if value])


async def pick(request: web.Request, allowed: ReportScope, teams: TeamRepository) -> Picked:
    """The scope ?province=, ?commune= and ?team= ask for, narrowed from `allowed`."""
    units = admin_units()
    asked_province = request.query.get("province") or None
    asked_commune = request.query.get("commune") or None
    raw_team = request.query.get("team")
    team_id = read_id(raw_team) if raw_team else None
    if raw_team and team_id is None:
        raise web.HTTPForbidden()
    if allowed.team_id is not None:  # a leader: their team, nothing else
        if asked_province or asked_commune or team_id not in (None, allowed.team_id):
            raise web.HTTPForbidden()
        return Picked(allowed)
    if team_id is not None and not asked_commune:  # a team's own link
        team = await teams.get(team_id)
        if team is None or not Scope(allowed.province, allowed.communes).covers(team):
            raise web.HTTPForbidden()  # a team of another province or commune, by URL
        return Picked(ReportScope(team_id=team_id), team=team_id)
    everywhere = allowed.province is None
    province = asked_province if everywhere else allowed.province
    if asked_province not in (None, province) or (province and province not in units.provinces):
        raise web.HTTPForbidden()
    offered = sorted((c for c in units.communes_of(province)
                      if not allowed.communes or c.code in allowed.communes),
                     key=lambda c: vietnamese_order(c.name)) if province else []
    commune = units.communes.get(asked_commune or "")
    if asked_commune and (commune is None or commune.province != province):
        asked_commune = None  # left from the province chosen before: not a choice any more
    elif asked_commune and asked_commune not in {c.code for c in offered}:
        raise web.HTTPForbidden()  # a commune of the province outside the officer's own
    provinces = units.provinces_in_order() if everywhere else []
    if province is None:
        return Picked(allowed, provinces=provinces)
    scope = (ReportScope(province, frozenset({asked_commune})) if asked_commune
             else ReportScope(province, allowed.communes))
    in_commune = (await teams.in_scope(Scope(province, frozenset({asked_commune})))
                  if asked_commune else [])
    if team_id is not None and team_id in {team.id for team in in_commune}:
        scope = ReportScope(team_id=team_id)
    else:
        team_id = None  # none, or left from the commune chosen before
    return Picked(scope, asked_province, asked_commune, team_id, provinces, offered,
                  sorted(in_commune, key=lambda team: vietnamese_order(team.name)))
