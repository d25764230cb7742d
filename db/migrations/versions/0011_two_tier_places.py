"""Two-tier local government (since 1 July 2025): no district. Teams, visits, users and officers'
scopes move to the current province and commune codes (content/places); what was recorded
before stays readable: a team's former place, a visit's former province, district and commune.

Revision ID: 0011_two_tier_places
Revises: 0010_inbox_outbox
Create Date: 2026-12-01
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011_two_tier_places"
down_revision = "0010_inbox_outbox"
branch_labels = None
depends_on = None

CODE = sa.String(8)


def _places() -> Any:
    from content.places.history import FormerPlaces
    from content.places.units import admin_units

    return FormerPlaces(admin_units())


def upgrade() -> None:
    with op.batch_alter_table("users", recreate="never") as batch:
        batch.add_column(sa.Column("scope_communes", sa.JSON, nullable=True))
    with op.batch_alter_table("teams", recreate="never") as batch:
        batch.add_column(sa.Column("commune_code", CODE, nullable=True))
        batch.add_column(sa.Column("former_place", sa.JSON, nullable=True))
    with op.batch_alter_table("visits", recreate="never") as batch:
        batch.add_column(sa.Column("commune_code", CODE, nullable=True))
        batch.add_column(sa.Column("former_province", sa.String(64), nullable=True))
        batch.add_column(sa.Column("former_district", sa.String(128), nullable=True))
        batch.add_column(sa.Column("former_commune", sa.String(128), nullable=True))
    _move_rows(op.get_bind(), _places())
    op.drop_index("ix_teams_province_district", table_name="teams")
    op.drop_index("ix_visits_district_date", table_name="visits")
    # Native ALTER TABLE … DROP COLUMN, never a copied table: on SQLite, dropping the old teams
    # table would cascade its deletion to the visits and members (foreign keys are on).
    for table, column in (("users", "district"), ("users", "scope_district"),
                          ("teams", "district"), ("visits", "district"), ("visits", "commune")):
        with op.batch_alter_table(table, recreate="never") as batch:
            batch.drop_column(column)
    op.create_index("ix_teams_province_commune", "teams", ["province", "commune_code"])
    op.create_index("ix_visits_commune_date", "visits",
                    ["province", "commune_code", "visit_date"])


_teams = sa.table("teams", sa.column("id"), sa.column("province"), sa.column("district"),
                  sa.column("communes", sa.JSON), sa.column("commune_code"),
                  sa.column("former_place", sa.JSON))
_visits = sa.table("visits", sa.column("province"), sa.column("district"), sa.column("commune"),
                   sa.column("commune_code"), sa.column("former_province"),
                   sa.column("former_district"), sa.column("former_commune"))
_users = sa.table("users", sa.column("id"), sa.column("province"), sa.column("commune"),
                  sa.column("scope_province"), sa.column("scope_district"),
                  sa.column("scope_communes", sa.JSON))


def _move_rows(bind: sa.Connection, places: Any) -> None:
    """Every row's place under today's units; visits by one UPDATE per distinct recorded place."""
    teams = bind.execute(sa.select(_teams.c.id, _teams.c.province, _teams.c.district,
                                   _teams.c.communes)).all()
    for team_id, province, district, names in teams:
        names = list(names or [])
        codes = list(dict.fromkeys(
            code for code in (places.current(province, district, n).commune for n in names)
            if code))
        bind.execute(_teams.update().where(_teams.c.id == team_id).values(
            province=places.current(province, None, None).province,
            commune_code=codes[0] if codes else None, communes=codes,
            former_place={"province": province, "district": district, "communes": names}))
    recorded = bind.execute(sa.select(_visits.c.province, _visits.c.district,
                                      _visits.c.commune).distinct()).all()
    for province, district, commune in recorded:
        current = places.current(province, district, commune)
        bind.execute(_visits.update().where(
            _visits.c.province == province, _visits.c.district == district,
            _visits.c.commune == commune, _visits.c.former_province.is_(None)).values(
            province=current.province, commune_code=current.commune, former_province=province,
            former_district=district, former_commune=commune))
    users = bind.execute(sa.select(_users.c.id, _users.c.province, _users.c.scope_province,
                                   _users.c.scope_district)).all()
    for user_id, province, scope_province, scope_district in users:
        bind.execute(_users.update().where(_users.c.id == user_id).values(
            province=places.current(province, None, None).province if province else None,
            commune=None,
            scope_province=(places.current(scope_province, None, None).province
                            if scope_province else None),
            scope_communes=(places.district_communes(scope_province, scope_district)
                            if scope_province and scope_district else [])))


def downgrade() -> None:
    with op.batch_alter_table("users", recreate="never") as batch:
        batch.add_column(sa.Column("district", sa.String(128), nullable=True))
        batch.add_column(sa.Column("scope_district", sa.String(128), nullable=True))
    with op.batch_alter_table("teams", recreate="never") as batch:
        batch.add_column(sa.Column("district", sa.String(128), nullable=False,
                                   server_default=""))
    with op.batch_alter_table("visits", recreate="never") as batch:
        batch.add_column(sa.Column("district", sa.String(128), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("commune", sa.String(128), nullable=False,
                                   server_default=""))
    # What was recorded comes back where it was kept; later rows keep their commune code.
    op.get_bind().execute(sa.text(
        "UPDATE visits SET district = COALESCE(former_district, ''),"
        " commune = COALESCE(former_commune, commune_code, ''),"
        " province = COALESCE(former_province, province)"))
    op.drop_index("ix_teams_province_commune", table_name="teams")
    op.drop_index("ix_visits_commune_date", table_name="visits")
    for table, column in (("users", "scope_communes"), ("teams", "former_place"),
                          ("teams", "commune_code"), ("visits", "former_commune"),
                          ("visits", "former_district"), ("visits", "former_province"),
                          ("visits", "commune_code")):
        with op.batch_alter_table(table, recreate="never") as batch:
            batch.drop_column(column)
    op.create_index("ix_teams_province_district", "teams", ["province", "district"])
    op.create_index("ix_visits_district_date", "visits", ["province", "district", "visit_date"])
