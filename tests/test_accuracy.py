"""Hold the matcher's accuracy on the development set (figures in README.md).

The set (tests/data/dev_questions.yaml) was written from the seeds by someone who did not see the
FAQ: citizen-style questions with and without diacritics, Telex leftovers, abbreviations, typos,
emoji, and out-of-scope near-misses. An in-scope answer is correct when it contains the expected
facts; an out-of-scope question must be refused.
"""

from pathlib import Path

from content.evaluation import evaluate, load_questions, matcher_answers

QUESTIONS = Path(__file__).parent / "data" / "dev_questions.yaml"


def test_development_set_accuracy(services):
    questions = load_questions(QUESTIONS)
    assert len(questions) >= 150
    scores = evaluate(questions, matcher_answers(services.content, services.matcher))
    report = scores.summary() + "\n" + "\n".join(scores.failures)
    assert scores.correct_rate >= 0.92, report
    assert scores.wrong_rate <= 0.02, report
    assert scores.refusal_rate >= 0.93, report


def test_every_kind_of_question_is_in_the_set():
    kinds = {q.kind for q in load_questions(QUESTIONS)}
    assert {"formal", "colloquial", "no_diacritics", "telex", "abbreviation", "typo", "emoji",
            "out_of_scope"} <= kinds
