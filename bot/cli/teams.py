"""`cdsbot teams …` and `cdsbot users grant`: set up teams and staff from the command line."""

from __future__ import annotations

import datetime as dt

import click

from bot.cli.common import load_settings, run_command
from bot.cli.places import commune_codes, province_slug
from bot.settings import Settings
from bot.store import open_store
from content.errors import InputError
from content.places import place_finder
from db.console import AuditLog
from db.models import Role
from db.repositories import UserRepository
from db.teams import InviteRepository, Scope, TeamExists, TeamRepository

ROLE_NAMES = {role.name.lower(): role for role in Role}


@click.group("teams")
def teams_command() -> None:
    """Community tech teams: create, list, invite codes."""


@teams_command.command("create")
@click.option("--province", required=True, help="Current province: slug or name, e.g. dong-thap.")
@click.option("--commune", "communes", required=True, multiple=True,
              help="The team's commune (code or name, as since 1/7/2025); repeat for the other "
                   "communes it also covers.")
@click.option("--name", required=True, help="Team name, e.g. 'Tổ CNSCĐ phường Mỹ Phong'.")
def create(province: str, communes: tuple[str, ...], name: str) -> None:
    """Create a team and print its first invite code."""
    name = name.strip()
    if not name or len(name) > 128:
        raise click.BadParameter("a team name of 1 to 128 characters", param_hint="--name")
    slug = province_slug(province)
    run_command(_create(load_settings(), slug, commune_codes(slug, communes), name))


async def _create(settings: Settings, province: str, communes: list[str], name: str) -> None:
    async with open_store(settings) as store:
        async with store.sessions() as session, session.begin():
            try:
                team = await TeamRepository(session).create(name=name, province=province,
                                                            communes=communes)
            except TeamExists as exists:
                raise InputError(f"team {exists.team_id} “{exists.name}” already exists in "
                                 "that commune; no second one was made") from None
            invite = await InviteRepository(session).create(
                team, valid_for=dt.timedelta(days=settings.invite_valid_days),
                max_uses=settings.invite_max_uses)
        names = ", ".join(place_finder().units.communes[c].name for c in communes)
    click.echo(f"team {team.id}: {name} ({names}, {province})")
    click.echo(f"invite code {invite.code}, valid {settings.invite_valid_days} days, "
               f"{settings.invite_max_uses} uses: members send /thamgia {invite.code} "
               f"(Telegram: t.me/<bot>?start={invite.code})")


@teams_command.command("list")
@click.option("--province", default=None, help="Only this province (slug or name).")
@click.option("--commune", "communes", multiple=True, help="Only teams of these communes.")
def list_(province: str | None, communes: tuple[str, ...]) -> None:
    """List teams with their member counts."""
    if communes and not province:
        raise click.UsageError("--commune needs --province")
    slug = province_slug(province) if province else None
    scope = Scope(slug, frozenset(commune_codes(slug, communes)) if slug else frozenset())
    run_command(_list(load_settings(), scope))


async def _list(settings: Settings, scope: Scope) -> None:
    async with open_store(settings) as store, store.sessions() as session:
        teams = TeamRepository(session)
        names = place_finder().units.communes
        for team in await teams.in_scope(scope):
            members = await teams.count_members(team.id)
            area = ", ".join(names[c].name if c in names else c for c in team.communes)
            click.echo(f"{team.id}\t{team.province}\t{area}\t{team.name}\t{members} member"
                       + ("" if members == 1 else "s"))


@teams_command.command("invite")
@click.argument("team_id", type=int)
@click.option("--days", type=click.IntRange(1, 365), default=None, help="Days valid.")
@click.option("--uses", type=click.IntRange(1, 10_000), default=None, help="How many may join.")
def invite(team_id: int, days: int | None, uses: int | None) -> None:
    """A new invite code for TEAM_ID."""
    run_command(_invite(load_settings(), team_id, days, uses))


async def _invite(settings: Settings, team_id: int, days: int | None, uses: int | None) -> None:
    async with open_store(settings) as store, store.sessions() as session, session.begin():
        team = await TeamRepository(session).get(team_id)
        if team is None:
            raise click.UsageError(f"there is no team {team_id}")
        code = await InviteRepository(session).create(
            team, valid_for=dt.timedelta(days=days or settings.invite_valid_days),
            max_uses=uses or settings.invite_max_uses)
    click.echo(code.code)


@click.group("users")
def users_command() -> None:
    """Staff roles."""


@users_command.command("grant")
@click.argument("account")
@click.argument("role", type=click.Choice(list(ROLE_NAMES)))
@click.option("--province", default=None, help="Officers: the province they work for (slug or name).")
@click.option("--commune", "communes", multiple=True,
              help="Officers: only this commune of it (code or name); repeat for several.")
def grant(account: str, role: str, province: str | None, communes: tuple[str, ...]) -> None:
    """Give ACCOUNT (channel:user id, e.g. telegram:123456) a ROLE."""
    channel, _, external_id = account.partition(":")
    if ROLE_NAMES[role] in (Role.MEMBER, Role.LEADER):
        raise click.UsageError("member and leader are places in a team: people join with "
                               "/thamgia CODE (cdsbot teams invite TEAM), and an officer names "
                               "the leader on the team card (/to TEAM)")
    if not (channel and external_id):
        raise click.UsageError("ACCOUNT is channel:user id, e.g. telegram:123456")
    if communes and not province:
        raise click.UsageError("--commune needs --province")
    if (province or communes) and ROLE_NAMES[role] != Role.OFFICER:
        raise click.UsageError("--province and --commune are an officer's area; a member or "
                               "leader belongs to a team (/thamgia), an admin everywhere")
    if ROLE_NAMES[role] == Role.OFFICER and not province:
        raise click.UsageError("an officer needs --province (and optionally --commune)")
    slug = province_slug(province) if province else None
    codes = commune_codes(slug, communes) if slug else []
    run_command(_grant(load_settings(), channel, external_id, ROLE_NAMES[role], slug, codes))


async def _grant(settings: Settings, channel: str, external_id: str, role: Role,
                 province: str | None, communes: list[str]) -> None:
    async with open_store(settings) as store, store.sessions() as session, session.begin():
        identity = (await UserRepository(session).identify(channel, external_id, external_id)).identity
        user = identity.user
        before = Role(user.role).name.lower()
        user.role = int(role)
        user.scope_province, user.scope_communes = province, communes
        await AuditLog(session).record(None, "role_granted", province=province,
                                       target=f"{channel}:{external_id}",
                                       details={"role": role.name.lower(), "before": before,
                                                "communes": communes, "by": "command line"})
        units = place_finder().units
        area = ", ".join(units.communes[c].name for c in communes) if communes else ""
        where = units.provinces[province].name if province else ""
    click.echo(f"{channel}:{external_id} is now {role.name.lower()}"
               + (f" for {where}" + (f" ({area})" if area else "") if province else ""))
