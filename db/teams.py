"""Teams, their members and invite codes, and the visits members log (within the caller's
transaction; nothing here commits)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Clock, InviteCode, Role, Team, TeamMember, User, Visit, utcnow

# Codes people type: no 0/O or 1/I/L to confuse.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class Scope:
    """Where someone's authority runs: a current province (slug) and maybe some of its communes
    (codes; none for the whole province); province None for everywhere (admins). A team is in
    the scope when its own commune is."""

    province: str | None = None
    communes: frozenset[str] = frozenset()

    def covers(self, team: Team) -> bool:
        return ((self.province is None or team.province == self.province)
                and (not self.communes or team.commune_code in self.communes))


@dataclass
class TeamSummary:
    members: int = 0
    leaders: list[int] = field(default_factory=list)
    """User ids."""
    last_visit: dt.date | None = None


class TeamExists(Exception):
    """A team of that name is in that commune already (made twice, or a form sent twice)."""

    def __init__(self, team: Team) -> None:
        super().__init__(f"team {team.id} has that name in that commune")
        self.team = team
        self.team_id, self.name = team.id, team.name
        """Kept apart: the team's row is gone with the session the error ends."""


class TeamRepository:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock
        """Now, as the message being handled sees it (handlers.context passes ctx.now)."""

    async def create(self, *, name: str, province: str, communes: list[str],
                     created_by: int | None = None) -> Team:
        """A team of the current communes `communes` (codes, its own first) of `province`.
        Raises TeamExists when the commune has a team of that name (case and spaces aside)."""
        wanted = " ".join(name.split()).casefold()
        same_commune = await self.session.execute(select(Team).where(
            Team.province == province, Team.commune_code == communes[0]))
        for existing in same_commune.scalars():
            if " ".join(existing.name.split()).casefold() == wanted:
                raise TeamExists(existing)
        team = Team(name=name, province=province, commune_code=communes[0], communes=communes,
                    created_by=created_by)
        self.session.add(team)
        await self.session.flush()
        return team

    async def get(self, team_id: int) -> Team | None:
        return await self.session.get(Team, team_id)

    async def in_scope(self, scope: Scope, *, limit: int | None = None,
                       offset: int = 0) -> list[Team]:
        """The scope's teams by province, commune and name; `limit` of them from `offset`."""
        statement = (select(Team).where(*self._within(scope))
                     .order_by(Team.province, Team.commune_code, Team.name, Team.id)
                     .limit(limit).offset(offset))
        return list((await self.session.execute(statement)).scalars())

    async def count_in_scope(self, scope: Scope) -> int:
        statement = select(func.count()).select_from(Team).where(*self._within(scope))
        return int((await self.session.execute(statement)).scalar_one())

    @staticmethod
    def _within(scope: Scope) -> list[ColumnElement[bool]]:
        where = []
        if scope.province is not None:
            where.append(Team.province == scope.province)
        if scope.communes:
            where.append(Team.commune_code.in_(scope.communes))
        return where

    async def membership(self, user_id: int) -> tuple[TeamMember, Team] | None:
        """The user's team and their place in it, if any."""
        row = (await self.session.execute(
            select(TeamMember, Team).join(Team, Team.id == TeamMember.team_id)
            .where(TeamMember.user_id == user_id))).first()
        return (row[0], row[1]) if row else None

    async def members(self, team_id: int) -> list[tuple[TeamMember, User]]:
        statement = (select(TeamMember, User).join(User, User.id == TeamMember.user_id)
                     .where(TeamMember.team_id == team_id)
                     .order_by(TeamMember.role.desc(), TeamMember.joined_at))
        return [(row[0], row[1]) for row in (await self.session.execute(statement)).all()]

    async def add_member(self, team: Team, user: User, role: Role = Role.MEMBER) -> TeamMember:
        """Put the user in the team (moving them from another one); their role rises to at
        least `role`, never falls (an officer who joins stays an officer)."""
        current = await self.session.get(TeamMember, user.id)
        if current is None:
            current = TeamMember(user_id=user.id, team_id=team.id, role=int(role))
            self.session.add(current)
        else:
            current.team_id, current.role, current.joined_at = team.id, int(role), self.clock()
        user.role = max(user.role, int(role))
        await self.session.flush()
        return current

    async def set_leader(self, team: Team, user: User) -> None:
        """Make a member the leader; a previous leader stays in the team as a member."""
        for member, other in await self.members(team.id):
            if member.role == Role.LEADER and other.id != user.id:
                member.role = int(Role.MEMBER)
                if other.role == Role.LEADER:
                    other.role = int(Role.MEMBER)
        await self.add_member(team, user, Role.LEADER)

    async def summaries(self, team_ids: list[int]) -> dict[int, TeamSummary]:
        """Members, leaders and the last visit of each team, in three statements whatever the
        number of teams (the last visit read per team from its (team, date) index)."""
        found = {team_id: TeamSummary() for team_id in team_ids}
        if not team_ids:
            return found
        counts = (select(TeamMember.team_id, func.count()).where(TeamMember.team_id.in_(team_ids))
                  .group_by(TeamMember.team_id))
        for team_id, count in (await self.session.execute(counts)).all():
            found[team_id].members = int(count)
        leaders = (select(TeamMember.team_id, TeamMember.user_id)
                   .where(TeamMember.team_id.in_(team_ids), TeamMember.role >= int(Role.LEADER))
                   .order_by(TeamMember.joined_at))
        for team_id, user_id in (await self.session.execute(leaders)).all():
            found[team_id].leaders.append(user_id)
        last = (select(func.max(Visit.visit_date))
                .where(Visit.team_id == Team.id, Visit.deleted_at.is_(None)).scalar_subquery())
        for team_id, day in (await self.session.execute(
                select(Team.id, last).where(Team.id.in_(team_ids)))).all():
            found[team_id].last_visit = day
        return found

    async def count_members(self, team_id: int) -> int:
        statement = select(func.count()).select_from(TeamMember).where(TeamMember.team_id == team_id)
        return int((await self.session.execute(statement)).scalar_one())


class InviteRepository:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock
        """Now, as the message being handled sees it (handlers.context passes ctx.now)."""

    async def create(self, team: Team, *, valid_for: dt.timedelta, max_uses: int,
                     created_by: int | None = None, now: dt.datetime | None = None) -> InviteCode:
        now = now or self.clock()
        invite = InviteCode(code=new_code(), team_id=team.id, created_by=created_by,
                            created_at=now, expires_at=now + valid_for, max_uses=max_uses, uses=0)
        self.session.add(invite)
        await self.session.flush()
        return invite

    async def find(self, code: str) -> InviteCode | None:
        return await self.session.get(InviteCode, code.strip().upper())

    async def redeem(self, code: str, now: dt.datetime) -> Team | None:
        """Use the code once if it is still valid; None when unknown, expired or used up.
        One UPDATE with the conditions in it, so two people cannot take the last use."""
        result = await self.session.execute(
            update(InviteCode)
            .where(InviteCode.code == code.strip().upper(), InviteCode.expires_at > now,
                   InviteCode.uses < InviteCode.max_uses)
            .values(uses=InviteCode.uses + 1)
            .returning(InviteCode.team_id)
            .execution_options(synchronize_session=False))
        team_id = result.scalar_one_or_none()
        return await self.session.get(Team, team_id) if team_id is not None else None

    async def active(self, team_id: int, now: dt.datetime) -> list[InviteCode]:
        statement = (select(InviteCode)
                     .where(InviteCode.team_id == team_id, InviteCode.expires_at > now,
                            InviteCode.uses < InviteCode.max_uses)
                     .order_by(InviteCode.created_at.desc()))
        return list((await self.session.execute(statement)).scalars())


class VisitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, visit: Visit) -> Visit:
        self.session.add(visit)
        await self.session.flush()
        return visit

    async def get(self, visit_id: int) -> Visit | None:
        return await self.session.get(Visit, visit_id)

    async def last_of(self, member_id: int) -> Visit | None:
        """The member's most recent visit still standing (not undone)."""
        statement = (select(Visit).where(Visit.member_id == member_id, Visit.deleted_at.is_(None))
                     .order_by(Visit.created_at.desc(), Visit.id.desc()).limit(1))
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def count_of(self, member_id: int) -> int:
        statement = (select(func.count()).select_from(Visit)
                     .where(Visit.member_id == member_id, Visit.deleted_at.is_(None)))
        return int((await self.session.execute(statement)).scalar_one())

    async def tally_by_member(self, team_id: int) -> dict[int, tuple[int, dt.date]]:
        """Each member's visits still standing in the team: how many, and the last visit day."""
        statement = (select(Visit.member_id, func.count(), func.max(Visit.visit_date))
                     .where(Visit.team_id == team_id, Visit.deleted_at.is_(None))
                     .group_by(Visit.member_id))
        rows = (await self.session.execute(statement)).all()
        return {member: (count, last) for member, count, last in rows if member is not None}
