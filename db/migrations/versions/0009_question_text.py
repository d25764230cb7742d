"""question_log.text: the question as written, with personal data redacted; the questions
already logged are redacted too (they were stored with phone numbers and names in them).

Revision ID: 0009_question_text
Revises: 0008_drop_sent_reminders
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from content.redaction import redact

revision = "0009_question_text"
down_revision = "0008_drop_sent_reminders"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("question_log") as batch:
        batch.add_column(sa.Column("text", sa.Text, nullable=True))
    log = sa.table("question_log", sa.column("id", sa.Integer),
                   sa.column("normalized_text", sa.Text))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.select(log.c.id, log.c.normalized_text).where(log.c.id > last)
                            .order_by(log.c.id).limit(BATCH)).all()
        if not rows:
            break
        changed = [{"row_id": row.id, "clean": redact(row.normalized_text)} for row in rows
                   if redact(row.normalized_text) != row.normalized_text]
        if changed:
            bind.execute(log.update().where(log.c.id == sa.bindparam("row_id"))
                         .values(normalized_text=sa.bindparam("clean")), changed)
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("question_log") as batch:
        batch.drop_column("text")
