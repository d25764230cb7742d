"""Subscriptions to topics; long button payloads kept server-side.

Revision ID: 0002_subscriptions
Revises: 0001_core
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_subscriptions"
down_revision = "0001_core"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("user_id", "topic", name="uq_subscription_user_topic"),
    )
    op.create_index("ix_subscriptions_user_id", "subscriptions", ["user_id"])
    op.create_table(
        "callback_payloads",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_callback_payloads_created_at", "callback_payloads", ["created_at"])


def downgrade() -> None:
    op.drop_table("callback_payloads")
    op.drop_table("subscriptions")
