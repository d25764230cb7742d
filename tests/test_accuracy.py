"""Hold the matcher's accuracy on the two question sets (figures in README.md).

Both sets (tests/data/dev_questions.yaml, tests/data/holdout_questions.yaml) were written from
the seeds by two people who did not see the FAQ (nor each other's set): citizen-style questions
with and without diacritics, Telex leftovers, abbreviations, typos, emoji, and out-of-scope
near-misses. An in-scope answer is correct when it contains the expected facts; an out-of-scope
question must be refused.
"""

from pathlib import Path

import pytest

from content.evaluation import evaluate, load_questions, matcher_answers

QUESTIONS = Path(__file__).parent / "data" / "dev_questions.yaml"
HOLDOUT = Path(__file__).parent / "data" / "holdout_questions.yaml"


@pytest.mark.parametrize(("path", "correct", "refused"), [(QUESTIONS, 0.96, 0.84), (HOLDOUT, 0.89, 0.82)])
def test_question_set_accuracy(services, path, correct, refused):
    questions = load_questions(path)
    assert len(questions) >= 150
    scores = evaluate(questions, matcher_answers(services.content, services.matcher))
    report = scores.summary() + "\n" + "\n".join(scores.failures)
    assert scores.correct_rate >= correct, report
    assert scores.wrong_rate <= 0.02, report
    assert scores.refusal_rate >= refused, report


def test_every_kind_of_question_is_in_the_set():
    kinds = {q.kind for q in load_questions(QUESTIONS)}
    assert {"formal", "colloquial", "no_diacritics", "telex", "abbreviation", "typo", "emoji",
            "out_of_scope"} <= kinds
