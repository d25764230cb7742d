"""Drop sent_reminders: reminders go through the broadcast outbox (0007, reminder_key).

Revision ID: 0008_drop_sent_reminders
Revises: 0007_reminders
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_drop_sent_reminders"
down_revision = "0007_reminders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("sent_reminders")


def downgrade() -> None:
    op.create_table(
        "sent_reminders",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )
