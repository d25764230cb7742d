"""Fit the matcher's answer-or-refuse model (content/acceptance.py) on the tuning question sets.

For every question of the sets, the matcher (without a model, taking any entry above the floor)
finds its closest entry; the sample is labelled 1 when that entry's answer holds the expected
facts, 0 when the question is out of scope or the entry answers something else. A logistic
regression (Newton's method with a small L2 penalty, plain Python: twelve weights need no
library) is fitted on those samples, the probability threshold is chosen for the best balance
of answered, refused and wrong (`choose_threshold`), and the result is written to
content/acceptance.json. Rerun after changing content or the matcher's signals:

    .venv/bin/python bench/fit_acceptance.py [--sets dev_questions.yaml ...] [--dry-run]
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from content.acceptance import ACCEPTANCE_FILE, SIGNALS, AcceptanceModel
from content.evaluation import (
    SMALL_TALK,
    LabelledQuestion,
    Scores,
    contains_facts,
    evaluate,
    load_questions,
    matcher_answers,
)
from content.formatting import Formatter
from content.index import build_matcher
from content.loader import ContentStore, load_content
from content.matcher import FaqMatcher
from content.smalltalk import SmallTalk

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
TUNING_SETS = ("dev_questions.yaml", "holdout_questions.yaml", "questions_c.yaml", "questions_d.yaml",
               "questions_e.yaml", "questions_f.yaml", "questions_g.yaml", "questions_h.yaml",
               "questions_i.yaml", "questions_j.yaml", "questions_k.yaml", "questions_l.yaml",
               "questions_m.yaml", "questions_n.yaml", "questions_o.yaml")
L2 = 1.0
WRONG_COST = 3.0
"""A wrong answer misleads; a refusal offers the menu and is logged for the officers."""


def samples(content: ContentStore, matcher: FaqMatcher, talk: SmallTalk,
            questions: Sequence[LabelledQuestion]) -> list[tuple[list[float], int]]:
    formatter = Formatter("vi")
    out = []
    for item in questions:
        if item.kind == SMALL_TALK or talk.kind_of(item.question) is not None:
            continue
        result = matcher.match(talk.without_leading(item.question))
        if result.best is None or result.signals is None:
            continue  # below the floor: refused before any model is asked
        answer = formatter.render(content.faq[result.best.faq_id].answer)
        label = int(item.expect is not None and contains_facts(answer, item.expect))
        out.append(([result.signals[name] for name in SIGNALS], label))
    return out


def fit(data: list[tuple[list[float], int]], l2: float = L2, rounds: int = 25) -> list[float]:
    """Logistic regression by Newton's method; returns [bias, *weights]."""
    size = len(SIGNALS) + 1
    beta = [0.0] * size
    rows = [([1.0, *x], y) for x, y in data]
    for _ in range(rounds):
        gradient = [-l2 * b if i else 0.0 for i, b in enumerate(beta)]
        hessian = [[(l2 if i == j and i else 0.0) for j in range(size)] for i in range(size)]
        for x, y in rows:
            z = max(min(sum(b * v for b, v in zip(beta, x, strict=True)), 40.0), -40.0)
            p = 1.0 / (1.0 + math.exp(-z))
            for i in range(size):
                gradient[i] += (y - p) * x[i]
                for j in range(i, size):
                    hessian[i][j] += p * (1 - p) * x[i] * x[j]
        for i in range(size):
            for j in range(i):
                hessian[i][j] = hessian[j][i]
        step = _solve(hessian, gradient)
        beta = [b + s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return beta


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting."""
    n = len(vector)
    a = [row[:] + [vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            for c in range(col, n + 1):
                a[r][c] -= factor * a[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (a[r][n] - sum(a[r][c] * x[c] for c in range(r + 1, n))) / a[r][r]
    return x


def choose_threshold(content: ContentStore, base: FaqMatcher, talk: SmallTalk,
                     model: AcceptanceModel, sets: dict[str, list[LabelledQuestion]]) -> float:
    """The threshold with the best mean, over the sets, of balanced accuracy (in-scope answered
    correctly, out-of-scope refused) minus in-scope answered wrongly. The value is flat near
    its best (each step trades answers for refusals about one for one), so of the thresholds
    within 0.2 points of the best the middle one is taken, not an end of the plateau."""
    values = []
    for step in range(30, 86, 2):
        threshold = step / 100
        matcher = base.with_params(base.params, AcceptanceModel(model.weights, model.bias, threshold))
        rates = [_evaluate(content, matcher, talk, qs) for qs in sets.values()]
        value = sum((s.correct_rate + s.refusal_rate) / 2 - WRONG_COST * s.wrong_rate for s in rates) / len(rates)
        values.append((value, threshold))
    best = max(value for value, _ in values)
    plateau = [threshold for value, threshold in values if value >= best - 0.002]
    return plateau[len(plateau) // 2]


def _evaluate(content: ContentStore, matcher: FaqMatcher, talk: SmallTalk,
              questions: list[LabelledQuestion]) -> Scores:
    return evaluate(questions, matcher_answers(content, matcher, smalltalk=talk),
                    is_small_talk=lambda q: talk.kind_of(q) is not None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="+", default=list(TUNING_SETS))
    parser.add_argument("--dry-run", action="store_true", help="print, do not write the model")
    args = parser.parse_args()
    content = load_content()
    talk = SmallTalk.load()
    base = build_matcher(content, acceptance=None)
    probe = base.with_params(replace(base.params, threshold=base.params.floor), None)
    sets = {name: load_questions(DATA / name) for name in args.sets}
    data = [s for qs in sets.values() for s in samples(content, probe, talk, qs)]
    beta = fit(data)
    model = AcceptanceModel(dict(zip(SIGNALS, beta[1:], strict=True)), beta[0], 0.5, tuple(args.sets))
    threshold = choose_threshold(content, base, talk, model, sets)
    model = AcceptanceModel(model.weights, model.bias, threshold, model.fitted_on)
    print(f"{len(data)} samples ({sum(y for _, y in data)} answerable); threshold {threshold:.2f}")
    for name, weight in model.weights.items():
        print(f"  {name:14} {weight:+.3f}")
    print(f"  {'bias':14} {model.bias:+.3f}")
    fitted = base.with_params(base.params, model)
    plain = base.with_params(base.params, None)
    for name, qs in sets.items():
        before = _evaluate(content, plain, talk, qs)
        after = _evaluate(content, fitted, talk, qs)
        print(f"{name}\n  threshold only: {before.summary()}\n  with the model: {after.summary()}")
    if not args.dry_run:
        ACCEPTANCE_FILE.write_text(model.to_json(), encoding="utf-8")
        print(f"wrote {ACCEPTANCE_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
