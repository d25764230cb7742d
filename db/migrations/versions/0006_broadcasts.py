"""Broadcasts: the messages, their delivery rows (the outbox), the shared send-rate slots.

Revision ID: 0006_broadcasts
Revises: 0005_teams_visits
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_broadcasts"
down_revision = "0005_teams_visits"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
OPEN = sa.text("state IN ('pending', 'claimed')")


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("image_url", sa.String(1024)),
        sa.Column("link_url", sa.String(1024)),
        sa.Column("link_label", sa.String(128)),
        sa.Column("audience", sa.JSON, nullable=False),
        sa.Column("scheduled_at", TS),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("started_at", TS),
        sa.Column("finished_at", TS),
        sa.Column("total", sa.Integer, nullable=False),
    )
    op.create_index("ix_broadcasts_state", "broadcasts", ["state", "scheduled_at"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("broadcast_id", sa.Integer, sa.ForeignKey("broadcasts.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("identity_id", sa.Integer,
                  sa.ForeignKey("channel_identities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("lease_until", TS),
        sa.Column("sent_at", TS),
        sa.Column("error", sa.Text),
        sa.UniqueConstraint("identity_id", "broadcast_id", name="uq_delivery_identity_broadcast"),
    )
    op.create_index("ix_deliveries_broadcast_state", "deliveries", ["broadcast_id", "state"])
    op.create_index("ix_deliveries_due", "deliveries", ["broadcast_id", "channel", "next_attempt_at"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_table(
        "rate_slots",
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("next_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_slots")
    op.drop_table("deliveries")
    op.drop_table("broadcasts")
