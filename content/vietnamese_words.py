"""A full Vietnamese word list, so the matcher can tell a real word from a typo.

The list is pyvi's dictionary (content/data/vi_words.txt, 31,157 words, MIT licence in
content/data/vi_words.LICENSE), vendored as data: pyvi itself would bring a CRF tagger and
scikit-learn for a text file. "huyện", "chủ tịch", "điện thoại" are words of the language that
the FAQ happens not to use; they must count against a match, not be repaired into FAQ words.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from content.normalize import fold

WORDS_FILE = Path(__file__).parent / "data" / "vi_words.txt"


@dataclass(frozen=True, repr=False)  # 31,000 words are no use in a traceback
class VietnameseWords:
    syllables: frozenset[str]
    """Every syllable of every word, lower case with its diacritics ("huyện")."""
    folded_syllables: frozenset[str]
    """The same, folded ("huyen"): what a word typed without diacritics may be."""
    folded_compounds: frozenset[tuple[str, str]]
    """Two-syllable words, folded ("gia", "vang"): a real word even when typed bare."""

    @classmethod
    def from_lines(cls, lines: list[str]) -> VietnameseWords:
        syllables: set[str] = set()
        compounds: set[tuple[str, str]] = set()
        for line in lines:
            parts = unicodedata.normalize("NFC", line).lower().split()
            syllables.update(parts)
            if len(parts) == 2:
                first, second = (fold(p) for p in parts)
                compounds.add((first, second))
        return cls(frozenset(syllables), frozenset(fold(s) for s in syllables), frozenset(compounds))

    def is_written_word(self, written: str) -> bool:
        """A syllable typed with its diacritics that the language has ("huyện", not "huyệm")."""
        written = unicodedata.normalize("NFC", written).lower()
        return written != fold(written) and written in self.syllables

    def is_compound(self, first: str, second: str) -> bool:
        """Two folded syllables that make a word ("chu", "tich")."""
        return (first, second) in self.folded_compounds


@cache
def vietnamese_words(path: Path = WORDS_FILE) -> VietnameseWords:
    return VietnameseWords.from_lines(path.read_text(encoding="utf-8").splitlines())
