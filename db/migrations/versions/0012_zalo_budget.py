"""Zalo's message budget: each user's free-reply window, what did not fit in it (sent on
"tiếp"), and proactive messages used per month.

Revision ID: 0012_zalo_budget
Revises: 0011_two_tier_places
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_zalo_budget"
down_revision = "0011_two_tier_places"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "zalo_reply_windows",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("message_id", sa.String(128), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("replies_used", sa.Integer, nullable=False),
    )
    op.create_table(
        "zalo_overflow",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("messages", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "zalo_proactive_usage",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("used", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("zalo_proactive_usage")
    op.drop_table("zalo_overflow")
    op.drop_table("zalo_reply_windows")
