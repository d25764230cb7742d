"""Zalo OA token pair.

Revision ID: 0003_zalo_tokens
Revises: 0002_subscriptions
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_zalo_tokens"
down_revision = "0002_subscriptions"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "zalo_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("access_token", sa.Text, nullable=False),
        sa.Column("refresh_token", sa.Text, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("zalo_tokens")
