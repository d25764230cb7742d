"""Community tech teams in chat: create (/taoto, officers), invite codes (/moi), join (/thamgia
CODE or the deep link /start CODE), the team card (/to) and naming the leader.

Roles are checked here on the server: the command table gives the lowest role, and each handler
checks that the team is the user's own (members, leaders) or inside the officer's scope."""

from __future__ import annotations

import datetime as dt

from db.models import InviteCode, Role, Team, User
from db.teams import InviteRepository, Scope, TeamRepository
from handlers.context import Context
from handlers.messages import Button, IncomingMessage, Reply
from handlers.numbers import read_id

CREATE_USAGE = ("/taoto Tổ CNSCĐ xã Mỹ Phong; Mỹ Tho; Mỹ Phong\n"
                "/taoto tien-giang; Tổ CNSCĐ xã Mỹ Phong; Mỹ Tho; Mỹ Phong, Tân Mỹ Chánh")


def scope_of(ctx: Context) -> Scope:
    """Admins see everything; an officer their province (and district, if set)."""
    if ctx.role >= Role.ADMIN:
        return Scope()
    return Scope(ctx.user.scope_province or "", ctx.user.scope_district)


def invite_text(ctx: Context, team: Team, code: str, expires_at: dt.datetime, max_uses: int) -> str:
    t = ctx.t
    lines = [t("Invite code for {team}: {code}", team=team.name, code=code),
             t("Members join by sending /thamgia {code}. Valid until {date}, for {n} people.",
               code=code, date=t.fmt.date(expires_at.astimezone(ctx.services.timezone)),
               n=t.fmt.number(max_uses))]
    link = ctx.services.join_links.get("telegram")
    if link:
        lines.append(t("On Telegram they can also open: {link}", link=f"{link}{code}"))
    return "\n".join(lines)


async def create_team(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/taoto [province;] name; district; commune[, more communes]"""
    command = msg.command
    parts = [p.strip() for p in (command[1] if command else "").split(";")]
    if len(parts) not in (3, 4) or not all(parts):
        return [Reply(ctx.t("Create a team with its name, district and commune(s), separated by "
                            "“;”. For example:") + "\n" + CREATE_USAGE)]
    scope = scope_of(ctx)
    named = ctx.content.province_named(parts[0]) if len(parts) == 4 else None
    province_slug = named.slug if named else (scope.province if len(parts) == 3 else None)
    if not province_slug:
        return [Reply(ctx.t("Which province? Put it first, for example:") + "\n" + CREATE_USAGE)]
    name, district, communes_text = parts[-3:]
    communes = [c.strip() for c in communes_text.split(",") if c.strip()]
    wanted = Team(province=province_slug, district=district)
    if not scope.covers(wanted):
        return [Reply(ctx.t("You can only create teams in your own area."))]
    if len(name) > 128 or len(district) > 128 or any(len(c) > 128 for c in communes):
        return [Reply(ctx.t("Names can be at most 128 characters."))]
    team = await TeamRepository(ctx.session).create(name=name, province=province_slug,
                                                    district=district, communes=communes,
                                                    created_by=ctx.user.id)
    invite = await _new_invite(ctx, team)
    return [Reply(ctx.t("Team #{id} “{name}” created ({district}: {communes}).", id=team.id,
                        name=name, district=district, communes=", ".join(communes))
                  + "\n" + invite_text(ctx, team, invite.code, invite.expires_at, invite.max_uses))]


async def _new_invite(ctx: Context, team: Team) -> InviteCode:
    rules = ctx.services.rules
    return await InviteRepository(ctx.session).create(
        team, valid_for=dt.timedelta(days=rules.invite_valid_days), max_uses=rules.invite_max_uses,
        created_by=ctx.user.id, now=ctx.now)


async def _team_for(ctx: Context, args: str, min_role: Role = Role.LEADER) -> Team | str:
    """The team a command is about: a number after it (officers: inside their scope), else the
    user's own team, where they must be at least `min_role`. A string is the refusal."""
    teams = TeamRepository(ctx.session)
    team_id = read_id(args.strip().lstrip("#"))
    if team_id is not None:
        team = await teams.get(team_id)
        if team is None:
            return ctx.t("There is no team #{id}.", id=args.strip().lstrip("#"))
        if ctx.role >= Role.OFFICER and scope_of(ctx).covers(team):
            return team
        found = await teams.membership(ctx.user.id)
        if found and found[1].id == team.id and found[0].role >= min_role:
            return team
        return ctx.t("You can only see your own team.")
    found = await teams.membership(ctx.user.id)
    if found is None:
        if ctx.role >= Role.OFFICER:
            return ctx.t("Add the team number, for example /to 12. /dsto lists the teams in your area.")
        return ctx.t("You are not in a community tech team yet. Ask your team leader for an "
                     "invite code, then send /thamgia CODE.")
    member, team = found
    if member.role < min_role and ctx.role < Role.OFFICER:
        return ctx.t("Only the team leader can do this.")
    return team


async def invite(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/moi [team number]: a new invite code for the team."""
    command = msg.command
    team = await _team_for(ctx, command[1] if command else "")
    if isinstance(team, str):
        return [Reply(team)]
    code = await _new_invite(ctx, team)
    return [Reply(invite_text(ctx, team, code.code, code.expires_at, code.max_uses))]


async def join(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/thamgia CODE"""
    command = msg.command
    code = (command[1] if command else "").strip()
    if not code:
        return [Reply(ctx.t("Send the invite code after the command, for example /thamgia AB3K9QXZ."))]
    return await join_with_code(ctx, code)


async def join_with_code(ctx: Context, code: str) -> list[Reply]:
    teams = TeamRepository(ctx.session)
    invites = InviteRepository(ctx.session)
    known = await invites.find(code)
    current = await teams.membership(ctx.user.id)
    if known is not None and current is not None and current[1].id == known.team_id:
        return [Reply(ctx.t("You are already a member of {team}.", team=current[1].name))]
    team = await invites.redeem(code, ctx.now)
    if team is None:
        return [Reply(ctx.t("This invite code is not valid: it may be mistyped, expired or used "
                            "up. Ask your team leader for a new one."))]
    await teams.add_member(team, ctx.user, Role.MEMBER)
    moved = (ctx.t(" You have left {team}.", team=current[1].name) if current else "")
    return [Reply(ctx.t("Welcome to {team}!", team=team.name) + moved + "\n"
                  + ctx.t("Log each guidance visit with /ghinhan (guided) or /gn (one line). "
                          "/to shows your team."))]


async def show_team(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/to [team number]: the team card; officers get buttons to name the leader."""
    command = msg.command
    team = await _team_for(ctx, command[1] if command else "", Role.MEMBER)
    if isinstance(team, str):
        return [Reply(team)]
    t = ctx.t
    members = await TeamRepository(ctx.session).members(team.id)
    province = ctx.content.province(team.province)
    lines = [t("Team #{id}: {name}", id=team.id, name=team.name),
             t("Area: {communes} — {district}, {province}", communes=", ".join(team.communes),
               district=team.district, province=province.name if province else team.province),
             t.plural("{n} member:", "{n} members:", len(members))]
    for member, user in members:
        mark = t("leader") if member.role >= Role.LEADER else t("member")
        lines.append(f"• #{user.id} ({mark}) — {t.fmt.date(member.joined_at.astimezone(ctx.services.timezone))}")
    buttons: list[Button] = []
    if ctx.role >= Role.OFFICER and scope_of(ctx).covers(team):
        lines.append(t("Press a member to make them the leader:"))
        buttons = [Button(t("Leader: #{id}", id=user.id), f"team:lead:{team.id}:{user.id}")
                   for member, user in members if member.role < Role.LEADER][:8]
    return [Reply.with_buttons("\n".join(lines), buttons)]


async def list_teams(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/dsto: the teams in the officer's area."""
    teams = await TeamRepository(ctx.session).in_scope(scope_of(ctx))
    if not teams:
        return [Reply(ctx.t("There are no teams in your area yet. Create one with /taoto."))]
    lines = [ctx.t("Teams in your area:")]
    lines += [f"#{team.id} {team.name} — {', '.join(team.communes)}, {team.district}"
              for team in teams[:50]]
    if len(teams) > 50:
        lines.append(ctx.t("…and {n} more.", n=len(teams) - 50))
    return [Reply("\n".join(lines))]


async def on_button(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """'team:lead:<team>:<user>' — officers only, inside their scope (checked again here)."""
    if ctx.role < Role.OFFICER:  # before anything is read from the database
        return [Reply(ctx.t("Sorry, only officers of this area can name a team leader."))]
    parts = (msg.payload or "").split(":")
    team_id, user_id = (read_id(parts[2]), read_id(parts[3])) if len(parts) == 4 else (None, None)
    if parts[1:2] != ["lead"] or team_id is None or user_id is None:
        return [Reply(ctx.t("That button has expired."))]
    teams = TeamRepository(ctx.session)
    team = await teams.get(team_id)
    if team is None or not scope_of(ctx).covers(team):
        return [Reply(ctx.t("Sorry, only officers of this area can name a team leader."))]
    found = await teams.membership(user_id)
    if found is None or found[1].id != team.id:
        return [Reply(ctx.t("That person is no longer in the team."))]
    user = await ctx.session.get(User, user_id)
    assert user is not None
    await teams.set_leader(team, user)
    return [Reply(ctx.t("#{user} is now the leader of {team}.", user=user.id, team=team.name))]
