"""The officer console: sign-in links, sessions, the audit log, dismissed questions.

Revision ID: 0015_console
Revises: 0014_web_chat
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_console"
down_revision = "0014_web_chat"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "console_links",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS, nullable=True),
    )
    op.create_index("ix_console_links_user_id", "console_links", ["user_id"])
    op.create_table(
        "console_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
    )
    op.create_index("ix_console_sessions_user_id", "console_sessions", ["user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("province", sa.String(64), nullable=True),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("details", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_province_at", "audit_log", ["province", "at"])
    op.create_table(
        "question_dismissals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("normalized_text", sa.String(1000), nullable=False),
        sa.Column("province", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("dismissed_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("dismissed_at", TS, nullable=False),
    )
    op.create_index("ix_question_dismissals_normalized_text", "question_dismissals",
                    ["normalized_text"])


def downgrade() -> None:
    op.drop_table("question_dismissals")
    op.drop_table("audit_log")
    op.drop_table("console_sessions")
    op.drop_table("console_links")
