"""The content layer's items: every change officers make in the console to an FAQ entry, a
contest, an event, a promotion, a campaign or a deadline, kept as a revision (history, undo).

Revision ID: 0018_content_revisions
Revises: 0017_broadcast_area
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_content_revisions"
down_revision = "0017_broadcast_area"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "content_revisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("pack", sa.String(64), nullable=False),
        sa.Column("province", sa.String(64), nullable=True),
        sa.Column("data", sa.JSON, nullable=True),
        sa.Column("source_doc", sa.JSON, nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("changed_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("changed_at", TS, nullable=False),
    )
    op.create_index("ix_content_revisions_item", "content_revisions", ["kind", "item_id", "id"])


def downgrade() -> None:
    op.drop_table("content_revisions")
