"""Numbered button choices per user; channel alerts for officers.

Revision ID: 0004_choices_alerts
Revises: 0003_zalo_tokens
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_choices_alerts"
down_revision = "0003_zalo_tokens"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "button_choices",
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("choices", sa.JSON, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "channel_alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("code", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_channel_alerts_created_at", "channel_alerts", ["created_at"])


def downgrade() -> None:
    op.drop_table("channel_alerts")
    op.drop_table("button_choices")
