"""The content layer's first part: phrasings officers add to FAQ entries from the console.

Revision ID: 0016_content_phrasings
Revises: 0015_console
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_content_phrasings"
down_revision = "0015_console"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "content_phrasings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("faq_id", sa.String(64), nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("province", sa.String(64), nullable=True),
        sa.Column("added_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("removed_at", TS, nullable=True),
    )
    op.create_index("ix_content_phrasings_faq_id", "content_phrasings", ["faq_id"])


def downgrade() -> None:
    op.drop_table("content_phrasings")
