"""The web chat: portal sites, anonymous visitors, conversations and their numbered events.

Revision ID: 0014_web_chat
Revises: 0013_local_deliveries
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_web_chat"
down_revision = "0013_local_deliveries"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_sites",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("origins", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "web_visitors",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("site_key", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
    )
    op.create_index("ix_web_visitors_last_seen_at", "web_visitors", ["last_seen_at"])
    op.create_table(
        "web_conversations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("visitor_id", sa.String(32), nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_web_conversations_visitor_id", "web_conversations", ["visitor_id"])
    op.create_index("ix_web_conversations_updated_at", "web_conversations", ["updated_at"])
    op.create_table(
        "web_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("source", sa.String(80), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("conversation_id", "seq"),
        sa.UniqueConstraint("conversation_id", "source"),
    )
    op.create_index("ix_web_events_created_at", "web_events", ["created_at"])
    op.create_table(
        "web_files",
        sa.Column("token", sa.String(43), primary_key=True),
        sa.Column("conversation_id", sa.Integer, nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_web_files_conversation_id", "web_files", ["conversation_id"])
    op.create_index("ix_web_files_created_at", "web_files", ["created_at"])


def downgrade() -> None:
    for table in ("web_files", "web_events", "web_conversations", "web_visitors", "web_sites"):
        op.drop_table(table)
