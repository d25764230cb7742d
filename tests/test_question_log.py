"""Officers read what citizens asked (`cdsbot unanswered`): the log keeps every question exactly as
it was written, personal data aside, over whole question sets written by people who never saw
the FAQ (on SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select

from content.redaction import redact
from db.models import QuestionLog
from tests.fakes.chat import Chat

DATA = Path(__file__).parent / "data"
SETS = ("questions_p.yaml", "holdout_questions.yaml")


def questions() -> list[str]:
    return [item["q"] for name in SETS
            for item in yaml.safe_load((DATA / name).read_text(encoding="utf-8"))]


async def test_every_logged_question_is_the_question_as_written(pipeline):
    asked = questions()
    assert len(asked) > 400
    last_id, logged = 0, 0
    for number, question in enumerate(asked):
        await Chat(pipeline, user_id=f"asker{number}").send(question)
        async with pipeline.sessions() as session:
            rows = (await session.execute(select(QuestionLog.id, QuestionLog.text)
                                          .where(QuestionLog.id > last_id)
                                          .order_by(QuestionLog.id))).all()
        if not rows:
            continue  # small talk is answered, not logged
        written = redact(question.strip())
        assert rows[0].text == written, (question, rows[0].text)
        for row in rows[1:]:  # the unanswered part of a message with several questions
            assert row.text in written, (question, row.text)
        last_id, logged = rows[-1].id, logged + 1
    assert logged > 0.9 * len(asked)
