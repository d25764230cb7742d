"""Community tech teams, their members and invite codes, and the house visits they log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Role, utcnow


class Team(Base):
    """A community digital technology team (Tổ công nghệ số cộng đồng) of one current commune
    (`commune_code`); it may also cover other communes of its province (`communes`, codes, its
    own first). Teams made before the two-tier reform keep what was recorded in `former_place`
    ({"province", "district", "communes"} by name)."""

    __tablename__ = "teams"
    __table_args__ = (Index("ix_teams_province_commune", "province", "commune_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    province: Mapped[str] = mapped_column(String(64))
    commune_code: Mapped[str | None] = mapped_column(String(8))
    communes: Mapped[list[str]] = mapped_column(JSON, default=list)
    former_place: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class TeamMember(Base):
    """A user's place in a team (one team per user): member or leader (db.models.Role)."""

    __tablename__ = "team_members"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    role: Mapped[int] = mapped_column(Integer, default=int(Role.MEMBER))
    joined_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class InviteCode(Base):
    """A code that lets people join a team (/start CODE, t.me/<bot>?start=CODE), until it
    expires or has been used `max_uses` times."""

    __tablename__ = "invite_codes"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)


OUTCOMES = ("done", "follow_up")
"""How a house visit ended: the resident managed, or the team must come back."""


class Visit(Base):
    """One house-visit guidance session logged by a team member, in one current commune of its
    team (`province` and `commune_code`, so reports filter one table). Visits recorded before
    the two-tier reform keep the former province, district and commune as written then. The services guided are bits of
    `services` (content/services.yaml gives each service its bit); `member_id` is cleared when the
    member deletes their data, the team's record stays. Undone visits keep a `deleted_at`.
    The columns the tallies sum keep their value before a change (`active_history`), so
    db/visit_tallies.py can take the old visit out of them. Change visits through the ORM; a
    bulk statement must count its rows in the tallies or recount them (db/visit_tallies.py)."""

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_team_date", "team_id", "visit_date"),
        Index("ix_visits_province_date", "province", "visit_date"),
        Index("ix_visits_commune_date", "province", "commune_code", "visit_date"),
        Index("ix_visits_member_created", "member_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"),
                                         active_history=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    province: Mapped[str] = mapped_column(String(64), active_history=True)
    commune_code: Mapped[str | None] = mapped_column(String(8), active_history=True)
    former_province: Mapped[str | None] = mapped_column(String(64))
    former_district: Mapped[str | None] = mapped_column(String(128))
    former_commune: Mapped[str | None] = mapped_column(String(128))
    address: Mapped[str | None] = mapped_column(String(200))
    visit_date: Mapped[dt.date] = mapped_column(Date, active_history=True)
    people: Mapped[int] = mapped_column(Integer, active_history=True)
    services: Mapped[int] = mapped_column(Integer, active_history=True)
    other_service: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16), active_history=True)
    note: Mapped[str | None] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(256))
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(active_history=True)


class VisitTally(Base):
    """The standing visits (not undone) of one day in one current commune with one set of
    services, summed: what province and country reports read instead of the visits themselves
    (117,000 rows for a million demo visits). Kept by db/visit_tallies.py; `commune_code` is ""
    for visits whose place was not found."""

    __tablename__ = "visit_tallies"
    __table_args__ = (Index("ix_visit_tallies_date", "visit_date"),)

    province: Mapped[str] = mapped_column(String(64), primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    visit_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    services: Mapped[int] = mapped_column(Integer, primary_key=True)
    visits: Mapped[int] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(Integer)
    follow_ups: Mapped[int] = mapped_column(Integer)


class TeamDayTally(Base):
    """The standing visits of one team on one day in one commune, summed: the per-team
    breakdown of province and country reports."""

    __tablename__ = "team_day_tallies"
    __table_args__ = (Index("ix_team_day_tallies_province_date", "province", "visit_date"),)

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"),
                                         primary_key=True)
    province: Mapped[str] = mapped_column(String(64), primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    visit_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    visits: Mapped[int] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(Integer)
    follow_ups: Mapped[int] = mapped_column(Integer)
