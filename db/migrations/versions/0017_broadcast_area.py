"""Broadcasts remember the province they were sent within (officers of that province see and
manage them in the console) and the console form's submission key (a double click or a resent
form creates one broadcast, not two).

Revision ID: 0017_broadcast_area
Revises: 0016_content_phrasings
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_broadcast_area"
down_revision = "0016_content_phrasings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("broadcasts") as table:
        table.add_column(sa.Column("province", sa.String(64), nullable=True))
        table.add_column(sa.Column("submit_key", sa.String(64), nullable=True))
        table.create_unique_constraint("uq_broadcasts_submit_key", ["submit_key"])
    op.create_index("ix_broadcasts_province", "broadcasts", ["province", "id"])


def downgrade() -> None:
    op.drop_index("ix_broadcasts_province", "broadcasts")
    with op.batch_alter_table("broadcasts") as table:
        table.drop_constraint("uq_broadcasts_submit_key", type_="unique")
        table.drop_column("submit_key")
        table.drop_column("province")
