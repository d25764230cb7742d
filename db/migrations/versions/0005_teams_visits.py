"""Community tech teams, invite codes, house visits, sent reminders; officers' scope.

Revision ID: 0005_teams_visits
Revises: 0004_choices_alerts
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_teams_visits"
down_revision = "0004_choices_alerts"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("scope_province", sa.String(64), nullable=True))
        batch.add_column(sa.Column("scope_district", sa.String(128), nullable=True))
        batch.add_column(sa.Column("is_demo", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("province", sa.String(64), nullable=False),
        sa.Column("district", sa.String(128), nullable=False),
        sa.Column("communes", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("is_demo", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_teams_province_district", "teams", ["province", "district"])
    op.create_table(
        "team_members",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("role", sa.Integer, nullable=False),
        sa.Column("joined_at", TS, nullable=False),
    )
    op.create_index("ix_team_members_team_id", "team_members", ["team_id"])
    op.create_table(
        "invite_codes",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("max_uses", sa.Integer, nullable=False),
        sa.Column("uses", sa.Integer, nullable=False),
    )
    op.create_index("ix_invite_codes_team_id", "invite_codes", ["team_id"])
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("province", sa.String(64), nullable=False),
        sa.Column("district", sa.String(128), nullable=False),
        sa.Column("commune", sa.String(128), nullable=False),
        sa.Column("address", sa.String(200)),
        sa.Column("visit_date", sa.Date, nullable=False),
        sa.Column("people", sa.Integer, nullable=False),
        sa.Column("services", sa.Integer, nullable=False),
        sa.Column("other_service", sa.String(200)),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("photo", sa.String(256)),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("deleted_at", TS),
    )
    op.create_index("ix_visits_team_date", "visits", ["team_id", "visit_date"])
    op.create_index("ix_visits_province_date", "visits", ["province", "visit_date"])
    op.create_index("ix_visits_district_date", "visits", ["province", "district", "visit_date"])
    op.create_index("ix_visits_member_created", "visits", ["member_id", "created_at"])
    op.create_table(
        "sent_reminders",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("sent_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sent_reminders")
    op.drop_table("visits")
    op.drop_table("invite_codes")
    op.drop_table("team_members")
    op.drop_table("teams")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("is_demo")
        batch.drop_column("scope_district")
        batch.drop_column("scope_province")
