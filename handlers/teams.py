"""Community tech teams in chat: create (/taoto, officers), invite codes (/moi), join (/thamgia
CODE or the deep link /start CODE), the team card (/to) and naming the leader.

Roles are checked here on the server: the command table gives the lowest role, and each handler
checks that the team is the user's own (members, leaders) or inside the officer's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from content.i18n import Translator
from content.places import AdminUnits, PlaceChoice
from db.console import AuditLog
from db.models import InviteCode, Role, Team, TeamMember, User
from db.teams import Scope, TeamExists
from handlers.broadcasts import sender_of
from handlers.context import Context
from handlers.messages import Button, IncomingMessage, Reply
from handlers.numbers import read_id
from handlers.types import NOT_HANDLED, Declined

CREATE_USAGE = ("/taoto Tổ CNSCĐ phường Mỹ Phong; Mỹ Phong\n"
                "/taoto Đồng Tháp; Tổ CNSCĐ phường Mỹ Phong; Mỹ Phong, Đạo Thạnh")
CHOICE_BUTTONS = 8


def scope_of(ctx: Context) -> Scope:
    return staff_scope(ctx.role, ctx.user)


def staff_scope(role: Role, user: User) -> Scope:
    """Admins see everything; an officer their province (and only some communes, if set)."""
    if role >= Role.ADMIN:
        return Scope()
    return Scope(user.scope_province or "", frozenset(user.scope_communes or ()))


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
    """/taoto [province;] name; commune[, more communes]: a team of current communes (since
    1/7/2025). A name that fits several communes (a former commune or district, "phường 5")
    is asked about with buttons before the team is made."""
    command = msg.command
    parts = [p.strip() for p in (command[1] if command else "").split(";")]
    if len(parts) not in (2, 3) or not all(parts):
        return [Reply(ctx.t("Create a team with its name and commune(s), separated by “;”. "
                            "For example:") + "\n" + CREATE_USAGE)]
    scope = scope_of(ctx)
    named = ctx.services.places.province(parts[0]) if len(parts) == 3 else None
    province = named[0].slug if named else (scope.province if len(parts) == 2 else None)
    current = ctx.services.places.units.current_province(province)
    if current is None:
        return [Reply(ctx.t("Which province? Put it first, for example:") + "\n" + CREATE_USAGE)]
    province = current.slug
    name, communes_text = parts[-2:]
    typed = [c.strip() for c in communes_text.split(",") if c.strip()]
    if len(name) > 128 or any(len(c) > 128 for c in typed):
        return [Reply(ctx.t("Names can be at most 128 characters."))]
    if scope.province is not None and province != scope.province:
        return [Reply(ctx.t("You can only create teams in your own area."))]
    return await _next_commune(ctx, name, province, [], typed)


async def continue_create(msg: IncomingMessage, ctx: Context) -> list[Reply] | Declined:
    """The commune asked about: a button, or the name typed again more precisely."""
    data: dict[str, Any] = ctx.step.data if ctx.step else {}
    name, province = str(data.get("team_name", "")), str(data.get("province", ""))
    codes, pending = list(data.get("codes", [])), list(data.get("pending", []))
    if not name or not pending:
        ctx.finish()
        return [Reply(ctx.t("That button has expired."))]
    payload = msg.payload or ""
    if payload.startswith("team:commune:"):
        code = payload.rpartition(":")[2]
        if code not in data.get("offered", []):
            return [Reply(ctx.t("That button has expired."))]
        return await _next_commune(ctx, name, province, [*codes, code], pending[1:])
    if msg.command:
        ctx.finish()
        return NOT_HANDLED
    return await _next_commune(ctx, name, province, codes, [msg.text.strip(), *pending[1:]])


async def _next_commune(ctx: Context, name: str, province: str, codes: list[str],
                        pending: list[str]) -> list[Reply]:
    """Resolve the typed communes one by one; create the team when all are known."""
    t, scope = ctx.t, scope_of(ctx)
    notes: list[str] = []
    while pending:
        found = ctx.services.places.communes(pending[0], province)
        choices = [c for c in found if not scope.communes or c.commune.code in scope.communes]
        if found and not choices:
            ctx.finish()
            return [Reply(t("You can only create teams in your own area."))]
        if not choices:
            ctx.finish()
            place = ctx.services.places.units.provinces[province]
            return [Reply(t("I could not find the commune “{name}” in {province} (communes as "
                            "they are since 1 July 2025). Check the name and send /taoto "
                            "again.", name=pending[0], province=place.short))]
        if len(choices) > 1:
            shown = choices[:CHOICE_BUTTONS]
            ctx.goto("team.create", team_name=name, province=province, codes=codes, pending=pending,
                     offered=[c.commune.code for c in shown])
            buttons = [Button(_choice_label(t, c), f"team:commune:{c.commune.code}")
                       for c in shown]
            text = t("“{name}” may mean several communes. Which one?", name=pending[0])
            if len(choices) > len(shown):
                text += "\n" + t("…and {n} more: type a fuller name to see them.",
                                  n=len(choices) - len(shown))
            return [Reply.with_buttons(text, buttons)]
        codes.append(choices[0].commune.code)
        if choices[0].former:
            notes.append(t("{former} is now part of {commune}.", former=choices[0].former,
                           commune=choices[0].commune.name))
        pending = pending[1:]
    ctx.finish()
    codes = list(dict.fromkeys(codes))
    try:
        team = await ctx.teams.create(name=name, province=province, communes=codes,
                                      created_by=ctx.user.id)
    except TeamExists as exists:
        return [Reply(t("Team #{id} “{name}” already exists in {commune}: no second one was "
                        "made. Send /moi {id} for a new invite code.", id=exists.team.id,
                        name=exists.team.name, commune=area_names(ctx, exists.team)))]
    invite = await _new_invite(ctx, team)
    created = t("Team #{id} “{name}” created ({communes}, {province}).", id=team.id, name=name,
                communes=area_names(ctx, team), province=_province_name(ctx, team))
    return [Reply("\n".join([created, *notes,
                              invite_text(ctx, team, invite.code, invite.expires_at,
                                          invite.max_uses)]))]


def _choice_label(t: Translator, choice: PlaceChoice) -> str:
    if choice.former:
        return t("{commune} (was {former})", commune=choice.commune.name, former=choice.former)
    return choice.commune.name


def area_names(ctx: Context, team: Team) -> str:
    return team_area(ctx.services.places.units, team)


def team_area(units: AdminUnits, team: Team) -> str:
    """The team's communes by name, its own first."""
    return ", ".join(units.communes[c].name if c in units.communes else c for c in team.communes)


def _province_name(ctx: Context, team: Team) -> str:
    return province_name(ctx.services.places.units, team.province)


def province_name(units: AdminUnits, slug: str) -> str:
    province = units.province(slug)
    return province.short if province else slug


async def _new_invite(ctx: Context, team: Team) -> InviteCode:
    rules = ctx.services.rules
    return await ctx.invites.create(
        team, valid_for=dt.timedelta(days=rules.invite_valid_days), max_uses=rules.invite_max_uses,
        created_by=ctx.user.id, now=ctx.now)


async def _team_for(ctx: Context, command: str, args: str,
                    min_role: Role = Role.LEADER) -> Team | str:
    """The team `command` is about: a number after it (officers: inside their scope), else the
    user's own team, where they must be at least `min_role`. A string is the refusal."""
    teams = ctx.teams
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
            return ctx.t("Add the team number, for example {command} 12. /dsto lists the teams "
                         "in your area.", command=command)
        return ctx.t("You are not in a community tech team yet. Ask your team leader for an "
                     "invite code, then send /thamgia CODE.")
    member, team = found
    if member.role < min_role and ctx.role < Role.OFFICER:
        return ctx.t("Only the team leader can do this.")
    return team


async def invite(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/moi [team number]: a new invite code for the team."""
    command = msg.command
    team = await _team_for(ctx, "/moi", command[1] if command else "")
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


async def join_with_code(ctx: Context, code: str, *, move: bool = False) -> list[Reply]:
    """Join the code's team. A member of another team is asked first (`move` once they said
    yes): joining leaves that team, and a leader's team would be left without its leader."""
    teams = ctx.teams
    invites = ctx.invites
    known = await invites.find(code)
    current = await teams.membership(ctx.user.id)
    if known is not None and current is not None and current[1].id == known.team_id:
        return [Reply(ctx.t("You are already a member of {team}.", team=current[1].name))]
    if known is not None and current is not None and not move:
        return [_ask_move(ctx, current[0].role >= Role.LEADER, current[1], known)]
    team = await invites.redeem(code, ctx.now)
    if team is None:
        return [Reply(ctx.t("This invite code is not valid: it may be mistyped, expired or used "
                            "up. Ask your team leader for a new one."))]
    await teams.add_member(team, ctx.user, Role.MEMBER)
    moved = (ctx.t(" You have left {team}.", team=current[1].name) if current else "")
    return [Reply(ctx.t("Welcome to {team}!", team=team.name) + moved + "\n"
                  + ctx.t("Log each guidance visit with /ghinhan (guided) or /gn (one line). "
                          "/to shows your team."))]


def _ask_move(ctx: Context, leads: bool, current: Team, invite: InviteCode) -> Reply:
    t = ctx.t
    lines = [t("You are a member of {team}. Joining another team takes you out of it.",
               team=current.name)]
    if leads:
        lines.append(t("You lead {team}: it will have no leader until an officer names one.",
                       team=current.name))
    lines.append(t("Do you want to move to the team of this code?"))
    return Reply.with_buttons("\n".join(lines), [
        Button(t("Move to the new team"), f"team:move:{invite.code}"),
        Button(t("Stay in {team}", team=current.name), "team:stay")])


async def show_team(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/to [team number]: the team card; officers get buttons to name the leader."""
    command = msg.command
    team = await _team_for(ctx, "/to", command[1] if command else "", Role.MEMBER)
    if isinstance(team, str):
        return [Reply(team)]
    t = ctx.t
    members = await ctx.teams.members(team.id)
    lines = [t("Team #{id}: {name}", id=team.id, name=team.name),
             t("Area: {communes}, {province}", communes=area_names(ctx, team),
               province=_province_name(ctx, team)),
             t.plural("{n} member:", "{n} members:", len(members))]
    tally = await ctx.visits.tally_by_member(team.id)
    for member, user in members:
        lines.append(_member_line(ctx, member, user, tally.get(user.id)))
    buttons: list[Button] = []
    if ctx.role >= Role.OFFICER and scope_of(ctx).covers(team):
        lines.append(t("Press a member to make them the leader:"))
        buttons = [Button(t("Leader: #{id}", id=user.id), f"team:lead:{team.id}:{user.id}")
                   for member, user in members if member.role < Role.LEADER][:8]
    return [Reply.with_buttons("\n".join(lines), buttons)]


def _member_line(ctx: Context, member: TeamMember, user: User,
                 tally: tuple[int, dt.date] | None) -> str:
    """'• #84 (you, leader): joined 01/12/2026, 5 visits, last on 01/12/2026': the bot keeps
    no names, so the number, the role and the work tell members apart."""
    t = ctx.t
    mark = t("leader") if member.role >= Role.LEADER else t("member")
    if user.id == ctx.user.id:
        mark = t("you, {role}", role=mark)
    joined = t("joined {date}", date=t.fmt.date(member.joined_at.astimezone(ctx.services.timezone)))
    work = (t.plural("{n} visit, last on {date}", "{n} visits, last on {date}", tally[0],
                     date=t.fmt.date(tally[1])) if tally else t("no visit yet"))
    return f"• #{user.id} ({mark}): {joined}, {work}"


async def list_teams(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/dsto: the teams in the officer's area."""
    teams = await ctx.teams.in_scope(scope_of(ctx))
    if not teams:
        return [Reply(ctx.t("There are no teams in your area yet. Create one with /taoto."))]
    lines = [ctx.t("Teams in your area:")]
    lines += [f"#{team.id} {team.name} — {area_names(ctx, team)}, {_province_name(ctx, team)}"
              for team in teams[:50]]
    if len(teams) > 50:
        lines.append(ctx.t("…and {n} more.", n=len(teams) - 50))
    return [Reply("\n".join(lines))]


async def on_button(msg: IncomingMessage, ctx: Context) -> list[Reply] | Declined:
    """'team:lead:<team>:<user>' — officers only, inside their scope (checked again here);
    'team:commune:<code>' answers the commune question of /taoto."""
    payload = msg.payload or ""
    if payload.startswith("team:commune:"):
        return await continue_create(msg, ctx)
    if payload.startswith("team:move:"):
        return await join_with_code(ctx, payload.removeprefix("team:move:"), move=True)
    if payload == "team:stay":
        return [Reply(ctx.t("All right, you stay in your team."))]
    if ctx.role < Role.OFFICER:  # before anything is read from the database
        return [Reply(ctx.t("Sorry, only officers of this area can name a team leader."))]
    parts = payload.split(":")
    team_id, user_id = (read_id(parts[2]), read_id(parts[3])) if len(parts) == 4 else (None, None)
    if parts[1:2] != ["lead"] or team_id is None or user_id is None:
        return [Reply(ctx.t("That button has expired."))]
    teams = ctx.teams
    team = await teams.get(team_id)
    if team is None or not scope_of(ctx).covers(team):
        return [Reply(ctx.t("Sorry, only officers of this area can name a team leader."))]
    found = await teams.membership(user_id)
    if found is None or found[1].id != team.id:
        return [Reply(ctx.t("That person is no longer in the team."))]
    user = await ctx.users.get(user_id)
    assert user is not None
    await teams.set_leader(team, user)
    await AuditLog(ctx.session, ctx.clock).record(
        ctx.user, "role_granted", province=team.province, target=f"#{user.id}",
        details={"role": "leader", "team": team.id})
    told = await _tell_new_leader(ctx, team, user)
    done = ctx.t("#{user} is now the leader of {team}.", user=user.id, team=team.name)
    return [Reply(done + " " + (ctx.t("They have been told.") if told else
                                ctx.t("They cannot be messaged right now; tell them yourself.")))]


async def _tell_new_leader(ctx: Context, team: Team, user: User) -> bool:
    """A message to the named leader alone (the team's only leader now), in their language,
    through the broadcast outbox like any message the bot starts; False when unreachable."""
    audience = [f"team:{team.id}", "role:leader"]
    rules, sender = ctx.services.broadcast_rules, sender_of(ctx)
    if not sum((await ctx.broadcasts.reach(audience, ctx.now, rules, sender)).values()):
        return False
    t = ctx.services.catalogs.translator(user.locale or ctx.t.locale)
    text = t("An officer has made you the leader of {team}. /to shows your team, /moi gives an "
             "invite code for new members and /baocao your team's figures.", team=team.name)
    await ctx.broadcasts.create(text=text, image_url=None, link=None, filters=audience, at=None,
                                created_by=ctx.user.id, rules=rules,
                                now=ctx.now, sender=sender)
    return True
