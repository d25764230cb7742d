"""Moving stored rows to newer administrative units (`cdsbot places update`): teams, visits,
users and officers' scopes get the new province and commune codes; a visit keeps the commune it
was recorded in as its former place, a team its former communes."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from content.places.units import UnitChanges
from db.models import Team, User, Visit
from db.visit_tallies import recount


async def apply_changes(session: AsyncSession, changes: UnitChanges) -> dict[str, int]:
    """Rewrite the rows the changes touch, in the caller's transaction; counts per table."""
    moved = {"teams": 0, "visits": 0, "users": 0}
    for old, new in changes.communes.items():
        # A visit keeps the place it was first recorded under; else the commune it was in.
        result = await session.execute(
            update(Visit).where(Visit.commune_code == old).values(
                commune_code=new,
                former_commune=func.coalesce(Visit.former_commune, changes.names[old])))
        moved["visits"] += max(result.rowcount, 0)  # type: ignore[attr-defined]
    for old, new in changes.provinces.items():
        await session.execute(update(Visit).where(Visit.province == old).values(province=new))
    for team in (await session.execute(select(Team))).scalars():
        communes = _moved(team.communes or [], changes)
        province = changes.provinces.get(team.province, team.province)
        if communes != list(team.communes or []) or province != team.province:
            if team.former_place is None:
                team.former_place = {"province": team.province, "communes": [
                    changes.names.get(c, c) for c in team.communes or []]}
            team.communes, team.province = communes, province
            team.commune_code = communes[0] if communes else None
            moved["teams"] += 1
    users = await session.execute(select(User).where(
        (User.province.is_not(None)) | (User.scope_province.is_not(None))))
    for user in users.scalars():
        before = (user.province, user.commune, user.scope_province, list(user.scope_communes or []))
        user.province = changes.provinces.get(user.province or "", user.province)
        user.scope_province = changes.provinces.get(user.scope_province or "",
                                                    user.scope_province)
        user.commune = changes.communes.get(user.commune or "", user.commune)
        user.scope_communes = _moved(user.scope_communes or [], changes)
        if before != (user.province, user.commune, user.scope_province, user.scope_communes):
            moved["users"] += 1
    await recount(session)  # the visits moved by UPDATE statements, which the ORM does not see
    return moved


def _moved(codes: list[str], changes: UnitChanges) -> list[str]:
    return list(dict.fromkeys(changes.communes.get(c, c) for c in codes))
