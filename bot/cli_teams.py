"""`cdsbot teams …` and `cdsbot users grant`: set up teams and staff from the command line."""

from __future__ import annotations

import asyncio
import datetime as dt

import click

from bot.settings import Settings
from db.models import Role
from db.repositories import UserRepository
from db.teams import InviteRepository, Scope, TeamRepository

ROLE_NAMES = {role.name.lower(): role for role in Role}


def _settings() -> Settings:
    from bot.cli import _settings as configured

    return configured()


@click.group("teams")
def teams_command() -> None:
    """Community tech teams: create, list, invite codes."""


@teams_command.command("create")
@click.option("--province", required=True, help="Province slug, e.g. tien-giang.")
@click.option("--district", required=True, help="District (huyện / thành phố / thị xã).")
@click.option("--commune", "communes", required=True, multiple=True,
              help="The team's commune; repeat for neighbouring communes it also covers.")
@click.option("--name", required=True, help="Team name, e.g. 'Tổ CNSCĐ xã Mỹ Phong'.")
def create(province: str, district: str, communes: tuple[str, ...], name: str) -> None:
    """Create a team and print its first invite code."""
    asyncio.run(_create(_settings(), province, district, list(communes), name))


async def _create(settings: Settings, province: str, district: str, communes: list[str],
                  name: str) -> None:
    from bot.app import open_app

    async with open_app(settings) as app:
        if app.services.content.province(province) is None:
            slugs = ", ".join(p.slug for p in app.services.content.provinces)
            raise click.UsageError(f"unknown province '{province}' (one of: {slugs})")
        async with app.sessions() as session, session.begin():
            team = await TeamRepository(session).create(name=name, province=province,
                                                        district=district, communes=communes)
            invite = await InviteRepository(session).create(
                team, valid_for=dt.timedelta(days=settings.invite_valid_days),
                max_uses=settings.invite_max_uses)
    click.echo(f"team {team.id}: {name} ({district}: {', '.join(communes)})")
    click.echo(f"invite code {invite.code}, valid {settings.invite_valid_days} days, "
               f"{settings.invite_max_uses} uses: members send /thamgia {invite.code} "
               f"(Telegram: t.me/<bot>?start={invite.code})")


@teams_command.command("list")
@click.option("--province", default=None, help="Only this province (slug).")
@click.option("--district", default=None, help="Only this district.")
def list_(province: str | None, district: str | None) -> None:
    """List teams with their member counts."""
    asyncio.run(_list(_settings(), province, district))


async def _list(settings: Settings, province: str | None, district: str | None) -> None:
    from bot.app import open_app

    async with open_app(settings) as app, app.sessions() as session:
        teams = TeamRepository(session)
        for team in await teams.in_scope(Scope(province, district)):
            members = await teams.count_members(team.id)
            click.echo(f"{team.id}\t{team.province}\t{team.district}\t{', '.join(team.communes)}"
                       f"\t{team.name}\t{members} members")


@teams_command.command("invite")
@click.argument("team_id", type=int)
@click.option("--days", type=click.IntRange(1, 365), default=None, help="Days valid.")
@click.option("--uses", type=click.IntRange(1, 10_000), default=None, help="How many may join.")
def invite(team_id: int, days: int | None, uses: int | None) -> None:
    """A new invite code for TEAM_ID."""
    asyncio.run(_invite(_settings(), team_id, days, uses))


async def _invite(settings: Settings, team_id: int, days: int | None, uses: int | None) -> None:
    from bot.app import open_app

    async with open_app(settings) as app, app.sessions() as session, session.begin():
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
@click.option("--province", default=None, help="Officers: the province (slug) they work for.")
@click.option("--district", default=None, help="Officers: only this district of it.")
def grant(account: str, role: str, province: str | None, district: str | None) -> None:
    """Give ACCOUNT (channel:user id, e.g. telegram:123456) a ROLE."""
    channel, _, external_id = account.partition(":")
    if not (channel and external_id):
        raise click.UsageError("ACCOUNT is channel:user id, e.g. telegram:123456")
    if district and not province:
        raise click.UsageError("--district needs --province")
    if ROLE_NAMES[role] == Role.OFFICER and not province:
        raise click.UsageError("an officer needs --province (and optionally --district)")
    asyncio.run(_grant(_settings(), channel, external_id, ROLE_NAMES[role], province, district))


async def _grant(settings: Settings, channel: str, external_id: str, role: Role,
                 province: str | None, district: str | None) -> None:
    from bot.app import open_app

    async with open_app(settings) as app:
        if province and app.services.content.province(province) is None:
            raise click.UsageError(f"unknown province '{province}'")
        async with app.sessions() as session, session.begin():
            identity, _ = await UserRepository(session).identify(channel, external_id, external_id)
            user = identity.user
            user.role = int(role)
            user.scope_province, user.scope_district = province, district
    click.echo(f"{channel}:{external_id} is now {role.name.lower()}"
               + (f" for {province}" + (f" / {district}" if district else "") if province else ""))
