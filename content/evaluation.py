"""Measure the matcher on a labelled question set (tests/data/dev_questions.yaml).

An in-scope question counts as correct when the answer contains every expected fact (compared
folded: case and diacritics ignored); an out-of-scope one when the bot refuses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from content.formatting import Formatter
from content.loader import ContentStore
from content.matcher import FaqMatcher
from content.normalize import fold
from content.smalltalk import SmallTalk
from content.yaml_files import load_yaml


@dataclass(frozen=True)
class LabelledQuestion:
    question: str
    expect: tuple[str, ...] | None
    kind: str = ""

    @property
    def in_scope(self) -> bool:
        return self.expect is not None


def load_questions(path: Path) -> list[LabelledQuestion]:
    items = load_yaml(path.read_text(encoding="utf-8"))
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
    small_talk: int = 0
    small_talk_recognised: int = 0
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
        talk = (f"; small talk {self.small_talk_recognised}/{self.small_talk}"
                if self.small_talk else "")
        return (f"in-scope {self.in_scope}: correct {self.correct_rate:.1%}, wrong {self.wrong_rate:.1%}, "
                f"refused {self.refused_in_scope / max(self.in_scope, 1):.1%}; out-of-scope "
                f"{self.out_of_scope}: refused {self.refusal_rate:.1%}{talk}")


_LONG_DATE_RE = re.compile(r"\b(\d{1,2}) thang (\d{1,2})(?: nam (\d{4}))?\b")
"""'17 tháng 7 năm 2023' is the date '17/7/2023', as answers write it."""
_RANGE_RE = re.compile(r"\btu (?:ngay )?(\d[\d/]*) (?:den|toi) (?:het )?(?:ngay )?(\d[\d/]*)")
"""'từ ngày 01/10/2024 đến ngày 10/10/2024' is the range '01/10/2024 - 10/10/2024'."""
_LEADING_ZERO_RE = re.compile(r"(?<!\d)0(?=\d/)|(?<=/)0(?=\d)")
"""'01/10/2024' is '1/10/2024'."""


def contains_facts(answer: str, facts: Sequence[str]) -> bool:
    """Every fact is in the answer, compared folded; "₫" (as the bot formats money) and "đồng"
    (as the plans write it) are the same, and so are the ways the plans write one date
    ("17 tháng 7 năm 2023", "17/7/2023", "01/10" and "1/10") or one period ("từ ngày A đến
    ngày B", "A - B")."""
    def same(text: str, ranges: bool) -> str:
        folded = " ".join(fold(text.replace("₫", " đồng").replace("–", "-")).split())
        folded = _LONG_DATE_RE.sub(lambda m: "/".join(g for g in m.groups() if g), folded)
        if ranges:
            folded = _RANGE_RE.sub(r"\1 - \2", folded)
        return _LEADING_ZERO_RE.sub("", folded)

    plain, ranged = same(answer, False), same(answer, True)
    return all(same(f, False) in plain or same(f, True) in ranged for f in facts)


SMALL_TALK = "small_talk"


def evaluate(questions: Sequence[LabelledQuestion], answer_of: Callable[[str], str | None],
             is_small_talk: Callable[[str], bool] | None = None) -> Scores:
    """`answer_of` returns the answer text, or None when the bot refuses. Items of kind
    small_talk must be recognised by `is_small_talk` (and are counted apart); any other item
    taken for small talk is refused."""
    scores = Scores()
    for item in questions:
        if item.kind == SMALL_TALK:
            scores.small_talk += 1
            if is_small_talk is not None and is_small_talk(item.question):
                scores.small_talk_recognised += 1
            else:
                scores.failures.append(f"SMALL TALK not recognised: {item.question!r}")
            continue
        taken_for_talk = is_small_talk is not None and is_small_talk(item.question)
        answer = None if taken_for_talk else answer_of(item.question)
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


def matcher_answers(content: ContentStore, matcher: FaqMatcher, province: str | None = None,
                    smalltalk: SmallTalk | None = None) -> Callable[[str], str | None]:
    """Answer text as the citizen would read it (money formatted), or None for a refusal; with
    `smalltalk`, a greeting in front of the question is dropped first, as the bot does."""
    formatter = Formatter("vi")

    def answer_of(question: str) -> str | None:
        if smalltalk is not None:
            question = smalltalk.without_leading(question)
        answers = [formatter.render(content.faq[r.best.faq_id].answer)
                   for r in matcher.match_each(question, province) if r.best is not None]
        return "\n\n".join(answers) if answers else None

    return answer_of
