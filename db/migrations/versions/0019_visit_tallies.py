"""Visit tallies: the standing visits summed per day, commune and set of services, and per team,
day and commune, so that province and country reports over long periods read a few hundred
thousand sums instead of a million visits. Filled here from the visits already stored.

Revision ID: 0019_visit_tallies
Revises: 0018_content_revisions
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_visit_tallies"
down_revision = "0018_content_revisions"
branch_labels = None
depends_on = None

_SUMS = ("COUNT(*), COALESCE(SUM(people), 0), "
         "COALESCE(SUM(CASE WHEN outcome = 'follow_up' THEN 1 ELSE 0 END), 0)")


def _measures() -> list[sa.Column]:
    return [sa.Column(name, sa.Integer, nullable=False)
            for name in ("visits", "people", "follow_ups")]


def upgrade() -> None:
    op.create_table(
        "visit_tallies",
        sa.Column("province", sa.String(64), primary_key=True),
        sa.Column("commune_code", sa.String(8), primary_key=True),
        sa.Column("visit_date", sa.Date, primary_key=True),
        sa.Column("services", sa.Integer, primary_key=True),
        *_measures(),
    )
    op.create_index("ix_visit_tallies_date", "visit_tallies", ["visit_date"])
    op.create_table(
        "team_day_tallies",
        sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("province", sa.String(64), primary_key=True),
        sa.Column("commune_code", sa.String(8), primary_key=True),
        sa.Column("visit_date", sa.Date, primary_key=True),
        *_measures(),
    )
    op.create_index("ix_team_day_tallies_province_date", "team_day_tallies",
                    ["province", "visit_date"])
    op.execute(
        "INSERT INTO visit_tallies SELECT province, COALESCE(commune_code, ''), visit_date, "
        f"services, {_SUMS} FROM visits WHERE deleted_at IS NULL "
        "GROUP BY province, COALESCE(commune_code, ''), visit_date, services")
    op.execute(
        "INSERT INTO team_day_tallies SELECT team_id, province, COALESCE(commune_code, ''), "
        f"visit_date, {_SUMS} FROM visits WHERE deleted_at IS NULL "
        "GROUP BY team_id, province, COALESCE(commune_code, ''), visit_date")


def downgrade() -> None:
    op.drop_table("team_day_tallies")
    op.drop_table("visit_tallies")
