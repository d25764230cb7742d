"""Answer or refuse: a small logistic regression over what the matcher saw of its best entry.

A single score threshold cannot tell "the words fit and so does the question" from "most words
fit, but the one that matters (a name, a venue, 'điểm chuẩn') is nowhere in the entry". The
signals below separate the two; their weights are fitted by bench/fit_acceptance.py from the
question sets in tests/data and committed as data (content/acceptance.json), so nothing is
learnt or downloaded at run time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ACCEPTANCE_FILE = Path(__file__).parent / "acceptance.json"

SIGNALS = (
    "score",          # the entry's score after the number, place and kind checks
    "margin",         # how far ahead of the next entry it is
    "fuzzy",          # rapidfuzz token_set_ratio with its best phrasing
    "reverse",        # share of that phrasing's information the question covers
    "kinds_agree",    # 1 when the question asks kinds of fact (when, who …) the entry answers
    "place_agrees",   # 1 when the question names the entry's province
    "uncovered",      # share of the question's information found nowhere in the entry
    "unphrased",      # share found in no phrasing (perhaps in the answer)
    "max_uncovered",  # the heaviest word of the question the entry lacks, over the heaviest possible
    "unknown_words",  # words the FAQ never uses, counted
    "real_unknown",   # of those, words the Vietnamese word list knows (not typos)
    "content_words",  # the question's words that carry a topic, over 10 (short ones say less)
)


@dataclass(frozen=True)
class AcceptanceModel:
    weights: Mapping[str, float]
    bias: float
    threshold: float = 0.5
    fitted_on: tuple[str, ...] = field(default=())

    @classmethod
    def load(cls, path: Path = ACCEPTANCE_FILE) -> AcceptanceModel | None:
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["weights"], float(data["bias"]), float(data.get("threshold", 0.5)),
                   tuple(data.get("fitted_on", ())))

    def probability(self, signals: Mapping[str, float]) -> float:
        z = self.bias + sum(w * signals.get(name, 0.0) for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def accepts(self, signals: Mapping[str, float]) -> bool:
        return self.probability(signals) >= self.threshold

    def to_json(self) -> str:
        return json.dumps({"signals": list(self.weights), "weights": dict(self.weights),
                           "bias": self.bias, "threshold": self.threshold,
                           "fitted_on": list(self.fitted_on)}, indent=2, ensure_ascii=False) + "\n"
