"""Community tech teams in the console: the teams of an officer's scope (a leader sees their own
team) with members, leaders and their last visit; creating a team; invite codes with their uses
left, each printable with a QR code of the bot's address on Zalo and Telegram.

The scope is the chat's (handlers.teams.staff_scope): a team is opened only by an officer whose
area covers it, an admin, or its own leader, whatever the URL or the form says.
"""

from __future__ import annotations

import datetime as dt

import segno
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.pages import CONSOLE, CONSOLE_PATH, T, render, signed_in, signed_user
from content.collation import vietnamese_order
from content.i18n import N_
from content.places import AdminUnits, Commune
from db.console import AuditLog, Signed
from db.models import Role, Team, as_utc
from db.teams import InviteRepository, TeamExists, TeamRepository, VisitRepository
from handlers.numbers import read_id
from handlers.teams import province_name, staff_scope, team_area

PAGE_SIZE = 100
"""Teams per page of the list."""
"""Teams one page lists; a province has far fewer."""
NAME_MISSING = N_("Give the team a name (at most 128 characters).")
COMMUNE_MISSING = N_("Choose the team's commune.")
OUTSIDE_AREA = N_("You can only create teams in your own area.")
TEAM_EXISTS = N_("Team #{id} “{name}” already exists in this commune: no second one was made.")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/teams", signed_in(listing))
    app.router.add_get("/teams/new", signed_in(new_team_form))
    app.router.add_post("/teams/new", signed_in(create))
    app.router.add_get("/teams/{team}", signed_in(team_page))
    app.router.add_post("/teams/{team}/invites", signed_in(new_invite))
    app.router.add_get("/teams/{team}/invites/{code}", signed_in(printable_invite))


def _units(request: web.Request) -> AdminUnits:
    services = request.app[CONSOLE].services
    assert services is not None
    return services.places.units


async def _allowed_team(request: web.Request, session: AsyncSession) -> Team:
    """The team of the URL, if this person may open it: 404 when there is none, 403 when it
    is outside their area and not the team they lead."""
    signed = signed_user(request)
    team_id = read_id(request.match_info["team"])
    team = await TeamRepository(session).get(team_id) if team_id is not None else None
    if team is None:
        raise web.HTTPNotFound()
    if signed.role >= Role.OFFICER and staff_scope(signed.role, signed.user).covers(team):
        return team
    if await _leads(session, signed, team.id):
        return team
    raise web.HTTPForbidden()


async def _leads(session: AsyncSession, signed: Signed, team_id: int) -> bool:
    found = await TeamRepository(session).membership(signed.user.id)
    return found is not None and found[1].id == team_id and found[0].role >= Role.LEADER


async def listing(request: web.Request) -> web.StreamResponse:
    signed = signed_user(request)
    console = request.app[CONSOLE]
    async with console.sessions() as session:
        if signed.role < Role.OFFICER:
            found = await TeamRepository(session).membership(signed.user.id)
            if found is None or found[0].role < Role.LEADER:
                raise web.HTTPForbidden()
            raise web.HTTPSeeOther(f"{CONSOLE_PATH}/teams/{found[1].id}")
        repository = TeamRepository(session)
        scope = staff_scope(signed.role, signed.user)
        page = max(read_id(request.query.get("page", "1")) or 1, 1)
        shown = await repository.in_scope(scope, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        total = await repository.count_in_scope(scope)
        summaries = await repository.summaries([team.id for team in shown])
    units = _units(request)
    rows = [{"team": team, "area": team_area(units, team),
             "province": province_name(units, team.province), **vars(summaries[team.id])}
            for team in shown]
    first = (page - 1) * PAGE_SIZE + 1
    return render(request, "teams.html", rows=rows, page=page, total=total, first=first,
                  last=first + len(shown) - 1, more=first + len(shown) - 1 < total)


async def team_page(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    async with console.sessions() as session:
        team = await _allowed_team(request, session)
        members = await TeamRepository(session).members(team.id)
        tally = await VisitRepository(session).tally_by_member(team.id)
        invites = await InviteRepository(session, console.clock).active(team.id, console.clock())
    units = _units(request)
    people = [{"id": user.id, "leader": member.role >= Role.LEADER, "joined": member.joined_at,
               "visits": tally.get(user.id, (0, None))[0],
               "last": tally.get(user.id, (0, None))[1]} for member, user in members]
    return render(request, "team.html", team=team, area=team_area(units, team),
                  province=province_name(units, team.province), people=people,
                  invites=invites)


async def new_invite(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    assert console.services is not None
    rules, signed = console.services.rules, signed_user(request)
    async with console.sessions() as session, session.begin():
        team = await _allowed_team(request, session)
        invite = await InviteRepository(session, console.clock).create(
            team, valid_for=dt.timedelta(days=rules.invite_valid_days),
            max_uses=rules.invite_max_uses, created_by=signed.user.id)
        await AuditLog(session, console.clock).record(
            signed.user, "invite_created", province=team.province, target=f"team #{team.id}")
    raise web.HTTPSeeOther(f"{CONSOLE_PATH}/teams/{team.id}/invites/{invite.code}")


async def printable_invite(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    assert console.services is not None
    async with console.sessions() as session:
        team = await _allowed_team(request, session)
        invite = await InviteRepository(session, console.clock).find(request.match_info["code"])
    if invite is None or invite.team_id != team.id:
        raise web.HTTPNotFound()
    t = request[T]
    telegram = console.services.join_links.get("telegram")
    codes = []
    if console.settings.zalo_oa_url:
        codes.append({"channel": "Zalo", "qr": _qr(console.settings.zalo_oa_url),
                      "how": t("Scan to open the bot on Zalo, then send /thamgia {code}.",
                               code=invite.code)})
    if telegram:
        codes.append({"channel": "Telegram", "qr": _qr(telegram + invite.code),
                      "how": t("Scan to join on Telegram straight away.")})
    return render(request, "invite.html", team=team, invite=invite, codes=codes,
                  left=max(invite.max_uses - invite.uses, 0),
                  expires=console.when(request, invite.expires_at),  # to the minute it ends
                  usable=invite.uses < invite.max_uses and as_utc(invite.expires_at) > console.clock())


def _qr(link: str) -> str:
    """The link as a QR code, an SVG data URI (the CSP allows data: images, nothing else)."""
    return str(segno.make(link, error="m").svg_data_uri(scale=6, border=2))


def _communes_for(units: AdminUnits, signed: Signed, province: str) -> list[Commune]:
    scope = staff_scope(signed.role, signed.user)
    return sorted((c for c in units.communes_of(province)
                   if not scope.communes or c.code in scope.communes), key=lambda c: vietnamese_order(c.name))


def _province_asked(request: web.Request, signed: Signed, asked: str | None) -> str | None:
    """The province a new team is for: an officer's own, or the one an admin chose."""
    if signed.role < Role.ADMIN:
        return signed.user.scope_province or None
    province = _units(request).current_province(asked)
    return province.slug if province else None


async def new_team_form(request: web.Request) -> web.Response:
    signed = signed_user(request)
    if signed.role < Role.OFFICER:
        raise web.HTTPForbidden()
    return _form(request, _province_asked(request, signed, request.query.get("province")))


def _form(request: web.Request, province: str | None, *, error: str | None = None,
          name: str = "", commune: str = "", also: tuple[str, ...] = (),
          status: int = 200) -> web.Response:
    signed, units = signed_user(request), _units(request)
    provinces = units.provinces_in_order()
    communes = _communes_for(units, signed, province) if province else []
    return render(request, "team_new.html", status=status, error=error, province=province,
                  province_label=province_name(units, province) if province else "",
                  provinces=provinces if signed.role >= Role.ADMIN else [],
                  communes=communes, name=name, commune=commune, also=also)


async def create(request: web.Request) -> web.StreamResponse:
    signed = signed_user(request)
    if signed.role < Role.OFFICER:
        raise web.HTTPForbidden()
    form = await request.post()
    province = _province_asked(request, signed, str(form.get("province", "")))
    name = str(form.get("name", "")).strip()
    commune = str(form.get("commune", ""))
    also = tuple(str(code) for code in form.getall("also", []))
    t = request[T]
    if province is None:
        return _form(request, None, error=t(OUTSIDE_AREA), status=403)
    allowed = {c.code for c in _communes_for(_units(request), signed, province)}
    error = (NAME_MISSING if not name or len(name) > 128 else
             COMMUNE_MISSING if not commune else
             OUTSIDE_AREA if not {commune, *also} <= allowed else None)
    if error is not None:
        return _form(request, province, error=t(error), name=name, commune=commune, also=also,
                     status=403 if error == OUTSIDE_AREA else 400)
    console = request.app[CONSOLE]
    try:
        async with console.sessions() as session, session.begin():
            team = await TeamRepository(session, console.clock).create(
                name=name, province=province, communes=list(dict.fromkeys((commune, *also))),
                created_by=signed.user.id)
            await AuditLog(session, console.clock).record(
                signed.user, "team_created", province=province, target=f"team #{team.id}",
                details={"name": name})
    except TeamExists as exists:
        return _form(request, province, error=t(TEAM_EXISTS, id=exists.team_id,
                                                 name=exists.name),
                     name=name, commune=commune, also=also, status=409)
    raise web.HTTPSeeOther(f"{CONSOLE_PATH}/teams/{team.id}")
