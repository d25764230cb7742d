"""Measure the matcher on a labelled question set (tests/data/dev_questions.yaml).

An in-scope question counts as correct when the answer contains every expected fact (compared
folded: case and diacritics ignored); an out-of-scope one when the bot refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from content.formatting import Formatter
from content.loader import ContentStore
from content.matcher import FaqMatcher, MatchResult
from content.normalize import fold


@dataclass(frozen=True)
class LabelledQuestion:
    question: str
    expect: tuple[str, ...] | None
    kind: str = ""

    @property
    def in_scope(self) -> bool:
        return self.expect is not None


def load_questions(path: Path) -> list[LabelledQuestion]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [LabelledQuestion(str(i["q"]), tuple(str(e) for e in i["expect"]) if i.get("expect") else None,
                             str(i.get("kind", ""))) for i in items]


@dataclass
class Scores:
    in_scope: int = 0
    correct: int = 0
    wrong: int = 0
    refused_in_scope: int = 0
    out_of_scope: int = 0
    refused_out_of_scope: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def correct_rate(self) -> float:
        return self.correct / self.in_scope if self.in_scope else 0.0

    @property
    def wrong_rate(self) -> float:
        return self.wrong / self.in_scope if self.in_scope else 0.0

    @property
    def refusal_rate(self) -> float:
        return self.refused_out_of_scope / self.out_of_scope if self.out_of_scope else 0.0

    def summary(self) -> str:
        return (f"in-scope {self.in_scope}: correct {self.correct_rate:.1%}, wrong {self.wrong_rate:.1%}, "
                f"refused {self.refused_in_scope / max(self.in_scope, 1):.1%}; out-of-scope "
                f"{self.out_of_scope}: refused {self.refusal_rate:.1%}")


def contains_facts(answer: str, facts: Sequence[str]) -> bool:
    folded = " ".join(fold(answer).split())
    return all(" ".join(fold(f).split()) in folded for f in facts)


def evaluate(questions: Sequence[LabelledQuestion], answer_of: Callable[[str], str | None]) -> Scores:
    """`answer_of` returns the answer text, or None when the bot refuses."""
    scores = Scores()
    for item in questions:
        answer = answer_of(item.question)
        if item.expect is None:
            scores.out_of_scope += 1
            if answer is None:
                scores.refused_out_of_scope += 1
            else:
                scores.failures.append(f"ANSWERED out-of-scope: {item.question!r} -> {answer[:60]!r}")
            continue
        scores.in_scope += 1
        if answer is None:
            scores.refused_in_scope += 1
            scores.failures.append(f"REFUSED: {item.question!r} (expect {item.expect})")
        elif contains_facts(answer, item.expect):
            scores.correct += 1
        else:
            scores.wrong += 1
            scores.failures.append(f"WRONG: {item.question!r} -> {answer[:70]!r} (expect {item.expect})")
    return scores


def matcher_answers(content: ContentStore, matcher: FaqMatcher,
                    province: str | None = None) -> Callable[[str], str | None]:
    """Answer text as the citizen would read it (money formatted), or None for a refusal."""
    formatter = Formatter("vi")

    def answer_of(question: str) -> str | None:
        result: MatchResult = matcher.match(question, province)
        if result.best is None:
            return None
        return formatter.render(content.faq[result.best.faq_id].answer)

    return answer_of
