"""Announcements delivered with no messaging platform: to console users and demo subscribers.

Revision ID: 0013_local_deliveries
Revises: 0012_zalo_budget
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_local_deliveries"
down_revision = "0012_zalo_budget"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "local_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("message", sa.JSON, nullable=False),
        sa.Column("delivered_at", TS, nullable=False),
        sa.Column("shown_at", TS, nullable=True),
    )
    op.create_index("ix_local_deliveries_unshown", "local_deliveries",
                    ["channel", "chat_id", "shown_at"])
    op.create_index("ix_local_deliveries_delivered_at", "local_deliveries", ["delivered_at"])


def downgrade() -> None:
    op.drop_table("local_deliveries")
