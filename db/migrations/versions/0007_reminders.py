"""Automatic reminders through the outbox: a unique key per reminder, and users' opt-outs.

Revision ID: 0007_reminders
Revises: 0006_broadcasts
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_reminders"
down_revision = "0006_broadcasts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("broadcasts") as batch:
        batch.add_column(sa.Column("reminder_key", sa.String(160), nullable=True))
        batch.create_unique_constraint("uq_broadcasts_reminder_key", ["reminder_key"])
    op.create_table(
        "reminder_optouts",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("reminder_optouts")
    with op.batch_alter_table("broadcasts") as batch:
        batch.drop_constraint("uq_broadcasts_reminder_key", type_="unique")
        batch.drop_column("reminder_key")
