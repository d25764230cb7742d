"""The shapes of phrasing every FAQ entry keeps, so that it is found however a citizen types.

Citizens ask in a few words, in a full sentence, without diacritics, in phone shorthand, or
after a sentence about themselves; an entry written in one shape only is found by people who
type like its author. `cdsbot content check` reports an entry that lacks a shape.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from content.normalize import fold

MIN_PHRASINGS = 10
SHORT_WORDS = 5
LONG_WORDS = 15
SHORTHAND = frozenset({
    "ko", "k", "kg", "hok", "khum", "j", "z", "v", "dc", "đc", "bn", "bnhiu", "ntn", "cds", "cđs",
    "tmdt", "tmđt", "dvctt", "dvc", "ad", "ạ", "nha", "nhé", "nhe", "ak", "hk", "sdt", "sđt",
    "qg", "ng", "bh", "bgio", "tg", "tb", "qn", "na", "vn", "cnscđ", "cnscd", "tcnscđ", "ubnd", "qđ",
    "qd", "kh", "tt&tt", "tttt", "stttt", "btttt", "cntt", "dn", "ms", "vs", "trc", "dk", "dky",
    "mn", "mik", "mk", "ơi", "oi", "ib", "thtt", "hnay", "t10", "t9", "pt-th",
})
"""Phone shorthand and abbreviations (content/lexicon.yaml expands them for the matcher)."""

_WORD_RE = re.compile(r"[\w&/.-]+")


def words(phrasing: str) -> list[str]:
    return _WORD_RE.findall(phrasing.lower())


def shape_problems(questions: Sequence[str]) -> list[str]:
    """What an entry's phrasings lack, in words an author can act on; empty when complete."""
    problems = []
    distinct = {" ".join(fold(q).split()) for q in questions}
    if len(distinct) < MIN_PHRASINGS:
        problems.append(f"{len(distinct)} different phrasings, at least {MIN_PHRASINGS} wanted")
    counts = [len(words(q)) for q in questions]
    if not any(n <= SHORT_WORDS for n in counts):
        problems.append(f"no short keyword phrasing (at most {SHORT_WORDS} words)")
    if sum(1 for q in questions if q.isascii()) < 2:
        problems.append("fewer than two phrasings without diacritics")
    if not any(not q.isascii() and n > SHORT_WORDS for q, n in zip(questions, counts, strict=True)):
        problems.append("no full question written with diacritics")
    if not any(SHORTHAND & set(words(q)) for q in questions):
        problems.append("no phrasing in phone shorthand (ko, j, dc, cđs, ad …)")
    if not any(n >= LONG_WORDS for n in counts):
        problems.append(f"no long message with context ({LONG_WORDS}+ words)")
    return problems
