"""Inbox of accepted platform messages and outbox of replies: a crash loses nothing. The inbox's
unique (channel, update_id) is the dedupe now, so processed_updates goes.

Revision ID: 0010_inbox_outbox
Revises: 0009_question_text
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_inbox_outbox"
down_revision = "0009_question_text"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("update_id", sa.String(128), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("message", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.UniqueConstraint("channel", "update_id"),
    )
    op.create_index("ix_inbox_pending", "inbox", ["state", "id"])
    op.create_index("ix_inbox_received_at", "inbox", ["received_at"])
    op.create_table(
        "reply_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("inbox_id", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("reply", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("claimed_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
    )
    op.create_index("ix_reply_outbox_inbox_id", "reply_outbox", ["inbox_id"])
    op.create_index("ix_reply_outbox_created_at", "reply_outbox", ["created_at"])
    op.create_index("ix_reply_outbox_unsent", "reply_outbox", ["sent_at", "claimed_at"])
    op.drop_table("processed_updates")


def downgrade() -> None:
    op.create_table(
        "processed_updates",
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("update_id", sa.String(128), primary_key=True),
        sa.Column("processed_at", TS, nullable=False),
    )
    op.create_index("ix_processed_updates_processed_at", "processed_updates", ["processed_at"])
    op.drop_table("reply_outbox")
    op.drop_table("inbox")
