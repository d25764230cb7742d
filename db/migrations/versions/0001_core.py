"""Core tables: users, channel identities, conversation state, question log, processed updates.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("locale", sa.String(8)),
        sa.Column("province", sa.String(64)),
        sa.Column("district", sa.String(128)),
        sa.Column("commune", sa.String(128)),
        sa.Column("location_consent", sa.Boolean, nullable=False),
        sa.Column("location_consent_at", TS),
        sa.Column("role", sa.Integer, nullable=False),
    )
    op.create_table(
        "channel_identities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("reachable", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_message_at", TS, nullable=False),
        sa.UniqueConstraint("channel", "external_id", name="uq_identity_channel_external"),
    )
    op.create_index("ix_channel_identities_user_id", "channel_identities", ["user_id"])
    op.create_table(
        "conversation_states",
        sa.Column("identity_id", sa.Integer,
                  sa.ForeignKey("channel_identities.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "question_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("province", sa.String(64)),
        sa.Column("normalized_text", sa.Text, nullable=False),
        sa.Column("faq_id", sa.String(64)),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("matched", sa.Boolean, nullable=False),
    )
    op.create_index("ix_question_log_created_at", "question_log", ["created_at"])
    op.create_index("ix_question_log_matched_created", "question_log", ["matched", "created_at"])
    op.create_table(
        "processed_updates",
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("update_id", sa.String(128), primary_key=True),
        sa.Column("processed_at", TS, nullable=False),
    )
    op.create_index("ix_processed_updates_processed_at", "processed_updates", ["processed_at"])


def downgrade() -> None:
    op.drop_table("processed_updates")
    op.drop_table("question_log")
    op.drop_table("conversation_states")
    op.drop_table("channel_identities")
    op.drop_table("users")
