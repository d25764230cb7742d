"""Saved visits: saving the confirmed form (a new visit or a correction), and undo."""

from __future__ import annotations

import datetime as dt
from typing import Any

from db.models import Team, TeamMember, Visit, as_utc
from handlers.context import Context
from handlers.messages import Button, Reply
from handlers.numbers import read_id

Data = dict[str, Any]


async def team_of(ctx: Context) -> tuple[TeamMember, Team] | None:
    return await ctx.teams.membership(ctx.user.id)


def not_in_team(ctx: Context) -> list[Reply]:
    return [Reply(ctx.t("You are not in a community tech team yet. Ask your team leader for an "
                        "invite code, then send /thamgia CODE."))]


async def save(ctx: Context, data: Data) -> list[Reply]:
    ctx.finish()
    found = await team_of(ctx)
    if found is None or found[1].id != data["team_id"]:
        return [Reply(ctx.t("You are no longer in this team, so the visit was not saved."))]
    team = found[1]
    visits = ctx.visits
    values = _visit_values(ctx, data)
    if data.get("visit_id"):
        visit = await visits.get(int(data["visit_id"]))
        if visit is None or visit.member_id != ctx.user.id or visit.deleted_at is not None:
            return [Reply(ctx.t("That visit can no longer be changed."))]
        for key, value in values.items():
            setattr(visit, key, value)
        visit.updated_at = ctx.now
        return [Reply(ctx.t("Corrected visit #{id}.", id=visit.id))]
    visit = await visits.add(Visit(team_id=team.id, member_id=ctx.user.id, province=team.province,
                                   channel=ctx.identity.channel,
                                   created_at=ctx.now, updated_at=ctx.now, **values))
    minutes = ctx.services.rules.visit_undo_minutes
    text = ctx.t("Saved visit #{id}. Thank you! Log the next one with /ghinhan.", id=visit.id)
    if minutes:
        text += "\n" + ctx.t("Made a mistake? Undo within {n} minutes, or correct it with /sua.",
                             n=minutes)
        return [Reply.with_buttons(text, [undo_button(ctx, visit.id)])]
    return [Reply(text)]


def _visit_values(ctx: Context, data: Data) -> dict[str, Any]:
    return {"visit_date": dt.date.fromisoformat(data["date"]), "commune_code": data["commune"],
            "address": data.get("address"), "people": int(data["people"]),
            "services": ctx.content.services.mask(data["services"]),
            "other_service": data.get("other"), "outcome": data["outcome"],
            "note": data.get("note"), "photo": data.get("photo")}


UNDO_PREFIX = "visit:undo:"


def undo_button(ctx: Context, visit_id: int) -> Button:
    return Button(ctx.t("Undo"), f"{UNDO_PREFIX}{visit_id}")


def read_undo(payload: str) -> int | None:
    """The visit an undo button is for, or None for any other payload."""
    return (read_id(payload.removeprefix(UNDO_PREFIX)) or 0) if payload.startswith(UNDO_PREFIX) else None


async def undo(ctx: Context, visit_id: int) -> list[Reply]:
    visit = await ctx.visits.get(visit_id)
    if visit is None or visit.member_id != ctx.user.id:
        return [Reply(ctx.t("I could not find that visit among yours."))]
    if visit.deleted_at is not None:
        return [Reply(ctx.t("Visit #{id} was already undone.", id=visit.id))]
    window = dt.timedelta(minutes=ctx.services.rules.visit_undo_minutes)
    if ctx.now - as_utc(visit.created_at) > window:
        return [Reply(ctx.t("It is too late to undo visit #{id}; correct it with /sua instead.",
                            id=visit.id))]
    visit.deleted_at = ctx.now
    return [Reply(ctx.t("Undone: visit #{id} will not be counted.", id=visit.id))]
