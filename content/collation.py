"""Vietnamese alphabetical order for the lists people choose from (provinces, communes):
a ă â b c d đ e ê … o ô ơ … u ư …, the tones only after the letters (a à ả ã á ạ), spaces and
digits before letters. Python's own order (by code point) puts "Đạo Thạnh" after "Trung An" and
"Cà Mau" after "Cao Bằng"; no ICU is needed for this much."""

from __future__ import annotations

import unicodedata
from functools import cache

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
"""huyền, hỏi, ngã, sắc, nặng (the dictionaries' order; no mark first)."""


@cache
def _letter(char: str) -> tuple[tuple[int, int], int]:
    """A character's place: (kind, rank) for the letters' order, and its tone."""
    decomposed = unicodedata.normalize("NFD", char.lower())
    base, marks = decomposed[:1], decomposed[1:]
    tone = next((_TONES[m] for m in marks if m in _TONES), 0)
    letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m not in _TONES))
    rank = _ALPHABET.find(letter) if len(letter) == 1 else -1
    return ((1, rank) if rank >= 0 else (0, ord(letter[0]))), tone


def vietnamese_order(text: str) -> tuple[tuple[tuple[int, int], ...], tuple[int, ...]]:
    """A sort key: the letters first, then their tones."""
    places = [_letter(char) for char in text]
    return tuple(p for p, _ in places), tuple(t for _, t in places)
