"""What the FAQ matcher (content/matcher.py) works with: its parameters, the documents it
indexes, the candidates and results it returns, its per-entry and per-question records, and the
small readers of terms, numbers and missing facts it applies to both."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from content.message_context import YEAR_RE, padded
from content.normalize import Lexicon


@dataclass(frozen=True)
class MatchParams:
    """Weights and thresholds, chosen on both question sets in tests/data (bench/calibrate.py):
    the best mean of in-scope answered correctly and out-of-scope refused over the two."""

    coverage_weight: float = 0.5
    reverse_weight: float = 0.3
    fuzzy_weight: float = 0.2
    answer_credit: float = 0.5
    stopword_weight: float = 0.15
    bigram_share: float = 0.35
    phrasing_bonus: float = 0.15
    unknown_bigram_factor: float = 0.6
    unknown_weight_factor: float = 1.0
    number_penalty: float = 0.6
    place_penalty: float = 0.6
    slot_penalty: float = 0.6
    kind_penalty: float = 0.6
    province_bonus: float = 0.03
    threshold: float = 0.64
    """Without an acceptance model: the score an answer needs."""
    floor: float = 0.45
    """With one: the score below which no entry is even considered."""
    ambiguity_margin: float = 0.04
    veto: bool = True
    candidates: int = 8


@dataclass(frozen=True)
class FaqDocument:
    """What the matcher needs of an FAQ entry."""

    faq_id: str
    questions: Sequence[str]
    answer: str = ""
    province: str | None = None
    year: int | None = None
    """The year the entry applies to ("Áp dụng năm 2022" under its answer)."""


@dataclass(frozen=True)
class Candidate:
    faq_id: str
    score: float
    phrasing: str
    raw: float = 0.0
    """The score before the number and asked-fact checks lowered it."""
    fuzzy: float = 0.0
    """rapidfuzz's token_set_ratio with the best phrasing, 0..1."""
    reverse: float = 0.0
    """The share of the best phrasing's information the question covers."""

    @property
    def penalised(self) -> bool:
        return self.score < self.raw


@dataclass(frozen=True)
class MatchResult:
    normalized: str
    best: Candidate | None
    alternatives: tuple[Candidate, ...] = ()
    signals: Mapping[str, float] | None = None
    """What the answer-or-refuse decision read of the closest entry (content/acceptance.py)."""
    part: str = ""
    """For one of several questions in a message, that question as written (match_each)."""

    @property
    def matched(self) -> bool:
        return self.best is not None

    @property
    def score(self) -> float:
        return self.best.score if self.best else 0.0


@dataclass
class Phrasing:
    text: str
    joined: str
    unigrams: frozenset[str]
    content_weight: float


@dataclass
class Query:
    """A question's tokens and term weights, computed once and shared by every candidate."""

    tokens: list[str]
    written: list[str]
    """The folded words as written, before fillers are dropped ("hà nội" keeps its "hà")."""
    normalized: str
    words: dict[str, float]
    bigrams: dict[str, float]
    total: float
    bigram_total: float
    kinds: frozenset[str] = frozenset()
    """Kinds of fact asked (content/question_types.py)."""
    counts: frozenset[str] = frozenset()
    places: list[tuple[str, str | None]] = field(default_factory=list)
    """The places the question names, as written (content/message_context.places_named)."""
    numbers: frozenset[str] = frozenset()
    slots: frozenset[str] = frozenset()
    """Kinds of fact asked in the lexicon's words (money, link, where …)."""
    years: frozenset[str] = frozenset()
    """Years written inside dates ("10/2025"); a year alone is one of `numbers`."""
    which: frozenset[str] = frozenset()
    """What a "which …" question asks to be named (content/question_types.which_heads)."""

    word_set: frozenset[str] = frozenset()
    reverse_weights: dict[str, float] = field(default_factory=dict)
    """Per question word, what covering it is worth to a phrasing (its rarity; a stopword little)."""


@dataclass
class Entry:
    doc: FaqDocument
    phrasings: list[Phrasing] = field(default_factory=list)
    terms: set[str] = field(default_factory=set)
    answer_terms: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)
    years: set[str] = field(default_factory=set)
    """Every year the entry names, alone or inside a date ("1/10/2022")."""
    missing: set[str] = field(default_factory=set)
    """Kinds of fact (money, link, where, …) the answer does not give."""
    kinds: frozenset[str] = frozenset()
    """Kinds of question the entry answers (when, where, who, how many, link)."""
    counts: frozenset[str] = frozenset()
    """Nouns the entry gives a count of."""
    which: frozenset[str] = frozenset()
    """What its phrasings ask to be named ("khách sạn nào")."""


_MONEY_RE = re.compile(r"\{vnd:\d+\}|\d[\d.]*\s*(?:đồng|₫)")
_LINK_RE = re.compile(r"https?://|www\.|\b[\w-]+\.(?:gov\.)?vn\b")
_NOT_STATED_RE = re.compile(r"\b(?:khong|chua) (?:neu|ghi|co thong tin|quy dinh|cong bo)\b")


def missing_slots(answer: str, lexicon: Lexicon) -> set[str]:
    """Kinds of fact an answer lacks: no money or link in it, or said to be not stated."""
    missing = set()
    if not _MONEY_RE.search(answer):
        missing.add("money")
    if not _LINK_RE.search(answer):
        missing.add("link")
    for sentence in re.split(r"[.;!?\n]", answer):
        folded = padded(sentence)
        if _NOT_STATED_RE.search(folded):
            missing.update(slot for slot, words in lexicon.answer_slots.items()
                           if any(f" {word} " in folded for word in words))
    return missing


def terms_of(tokens: Sequence[str]) -> set[str]:
    """Words and adjacent two-word terms ('chuyen doi', 'doi so')."""
    terms = set(tokens)
    terms.update(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
    return terms


def years_in(token: str) -> list[str]:
    return [part for part in token.split("/") if YEAR_RE.fullmatch(part)]


def is_number(token: str) -> bool:
    return any(ch.isdigit() for ch in token)
