"""Vietnamese text normalisation for matching citizens' questions.

Questions arrive typed on phones: NFD or NFC, with or without diacritics, with Telex/VNI
leftovers ("chuyeenr ddooir soos"), abbreviations ("cds", "dvctt"), fillers ("cho em hỏi … ạ"),
emoji and typos. Everything is folded to lower-case ASCII syllables, so that "Chuyển đổi số",
"chuyen doi so" and "CĐS" meet on the same tokens.

Folding and cleaning are pure functions; repairs that need the FAQ vocabulary (Telex, typos,
joined words) live in `Normalizer`, built once per content load.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from rapidfuzz import process
from rapidfuzz.distance import OSA


class WordList(Protocol):
    """A dictionary of Vietnamese words (content/vietnamese_words.py, which folds with `fold`)."""

    def is_written_word(self, written: str) -> bool: ...

    def is_compound(self, first: str, second: str) -> bool: ...


MAX_QUESTION_CHARS = 500
"""Longer messages are cut before matching: no FAQ question is longer, and it bounds the work."""

CACHE_SIZE = 10_000
"""Normalised questions kept in memory: citizens ask the same things again and again."""

_WRITTEN_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_TOKEN_RE = re.compile(r"\d+(?:[/.,:]\d+)*%?(?![^\W_])|[^\W_]+", re.UNICODE)
_DAY_MONTH_RE = re.compile(r"^\d{1,2}\.\d{1,2}$")
_VOWELS = set("aeiouy")
_TONE_KEYS = set("sfrxj")
_TELEX_PAIRS = (("dd", "d"), ("aa", "a"), ("aw", "a"), ("ee", "e"), ("oo", "o"), ("ow", "o"),
                ("uw", "u"), ("w", "u"))
# A folded Vietnamese syllable: optional onset, a vowel nucleus (with glides), optional final.
_SYLLABLE_RE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnprstvx])?"
    r"(uye|uya|uyu|ieu|yeu|uoi|uou|oai|oay|oeo|uay|uai|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|oo"
    r"|ua|ue|ui|uo|uu|uy|ye|a|e|i|o|u|y)(ch|ng|nh|c|m|n|p|t)?$"
)


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


_LATIN_FOLDS = {**{chr(c): _strip_marks(chr(c)) for c in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00))
                   if chr(c).isalpha()}, "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "Ɖ": "d", "ɖ": "d"}
_FOLD_TABLE = str.maketrans({ch: folded for ch, folded in _LATIN_FOLDS.items() if folded != ch})
"""Every accented Latin letter to its letters without marks: one translate() folds nearly all
Vietnamese text (the content loads some 100,000 strings at start-up)."""


def fold(text: str) -> str:
    """Lower-case, NFC-normalise and strip Vietnamese diacritics (đ → d included)."""
    text = unicodedata.normalize("NFC", text).lower().translate(_FOLD_TABLE)
    return text if text.isascii() else _strip_marks(text)  # marks on other scripts, emoji


def tokenize(text: str) -> list[str]:
    """Fold and split into word and number tokens; emoji, punctuation and control characters go."""
    return [_canonical_number(t) for t in _TOKEN_RE.findall(fold(text[:MAX_QUESTION_CHARS]))]


def _canonical_number(token: str) -> str:
    """Write dates one way: '01/10/2022' → '1/10/2022', '10.10' (day.month) → '10/10'."""
    if "/" in token or _DAY_MONTH_RE.match(token):
        return "/".join(part.lstrip("0") or "0" for part in re.split(r"[/.]", token))
    if token.isdigit() and len(token) <= 3:
        return token.lstrip("0") or "0"  # "02 hội thảo" is "2 hội thảo"
    return token


def is_syllable(token: str) -> bool:
    """True when `token` could be a (folded) Vietnamese syllable."""
    return bool(_SYLLABLE_RE.match(token))


def undo_telex(token: str) -> str:
    """Fold a Telex or VNI leftover: 'chuyeenr' → 'chuyen', 'ddooir' → 'doi', 'chuye6n3' → 'chuyen'."""
    if any(ch.isdigit() for ch in token):
        return "".join(ch for ch in token if not ch.isdigit())
    first_vowel = next((i for i, ch in enumerate(token) if ch in _VOWELS), None)
    if first_vowel is None:
        return token.replace("dd", "d")
    head, tail = token[: first_vowel + 1], token[first_vowel + 1 :]
    word = head + "".join(ch for ch in tail if ch not in _TONE_KEYS)
    for pair, single in _TELEX_PAIRS:
        word = word.replace(pair, single)
    return word


def _plain_syllable(token: str) -> str:
    """The syllable a Telex or VNI leftover stands for, when it is one; otherwise the token."""
    if is_syllable(token):
        return token
    untelexed = undo_telex(token)
    return untelexed if untelexed != token and is_syllable(untelexed) else token


PhraseTable = Sequence[tuple[tuple[str, ...], tuple[str, ...]]]
PhraseIndex = dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]]


def index_phrases(table: PhraseTable) -> PhraseIndex:
    """A phrase table by first word, in the table's order (longest listed first)."""
    index: PhraseIndex = {}
    for phrase, replacement in table:
        if phrase:
            index.setdefault(phrase[0], []).append((phrase, replacement))
    return index


def _replace_phrases(tokens: Sequence[str], index: PhraseIndex) -> list[str]:
    """Replace each phrase of the indexed table found in `tokens` by its value."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for phrase, replacement in index.get(tokens[i], ()):
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                out.extend(replacement)
                i += len(phrase)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


@dataclass(frozen=True)
class Lexicon:
    """Abbreviations, fillers and stopwords, all folded (see content/lexicon.yaml)."""

    abbreviations: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fillers: tuple[tuple[str, ...], ...] = ()
    stopwords: frozenset[str] = frozenset()
    places: tuple[str, ...] = ()
    synonyms: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    asks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    answer_slots: dict[str, tuple[str, ...]] = field(default_factory=dict)
    written_fillers: frozenset[str] = frozenset()
    """Words dropped only when written with their diacritics ("thì", "cái"): folded, they are
    also words that matter ("thi" a contest, "cài" to install)."""

    @classmethod
    def from_mapping(cls, data: dict) -> Lexicon:
        abbreviations = {fold(k): tuple(tokenize(v)) for k, v in data.get("abbreviations", {}).items()}
        fillers = {tuple(tokenize(f)) for f in data.get("fillers", [])}
        ordered = tuple(sorted((f for f in fillers if f), key=len, reverse=True))
        stopwords = frozenset(fold(w) for w in data.get("stopwords", []))
        def phrases(key: str) -> dict[str, tuple[str, ...]]:
            return {slot: tuple(" ".join(tokenize(p)) for p in items)
                    for slot, items in data.get(key, {}).items()}

        synonyms = tuple(sorted(((tuple(tokenize(k)), tuple(tokenize(v)))
                                 for k, v in data.get("synonyms", {}).items()),
                                key=lambda pair: len(pair[0]), reverse=True))
        written = frozenset(unicodedata.normalize("NFC", str(w)).lower()
                            for w in data.get("written_fillers", []))
        return cls(abbreviations, ordered, stopwords, tuple(data.get("places", [])), synonyms,
                   phrases("asks"), phrases("answer_slots"), written)


class Normalizer:
    """Turns a question into folded tokens, repairing what it can against the FAQ vocabulary."""

    def __init__(self, lexicon: Lexicon, vocabulary: Iterable[str] = (),
                 bigrams: Iterable[tuple[str, str]] = (), words: WordList | None = None) -> None:
        self.lexicon = lexicon
        self.words = words
        self.vocabulary = frozenset(vocabulary)
        self.bigrams = frozenset(bigrams)
        self._vocabulary_list = sorted(self.vocabulary)
        self._cache: dict[str, tuple[str, ...]] = {}
        self._fillers = index_phrases(tuple((filler, ()) for filler in lexicon.fillers))
        self._synonyms = index_phrases(lexicon.synonyms)

    def clear_cache(self) -> None:
        self._cache.clear()

    def basic_tokens(self, text: str) -> list[str]:
        """Tokens with abbreviations expanded and fillers removed; no vocabulary repair, but
        Telex leftovers are undone ('ngayf' → 'ngay'): a phrasing written the way phones type
        must index the words it means, or it would catch every Telex question on its own."""
        return self._drop_fillers(self._expand([_plain_syllable(t) for t in tokenize(self._unfilled(text))]))

    def tokens(self, text: str) -> list[str]:
        """Tokens ready for matching: basic tokens plus Telex, joined-word and typo repair."""
        cached = self._cache.get(text)
        if cached is None:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()  # simple bound; popular questions come back quickly
            cached = self._cache[text] = tuple(self._repair(text))
        return list(cached)

    def _unfilled(self, text: str) -> str:
        """The text without the fillers that only their diacritics tell apart."""
        if not self.lexicon.written_fillers:
            return text
        fillers = self.lexicon.written_fillers
        return _WRITTEN_RE.sub(lambda m: " " if m.group().lower() in fillers else m.group(),
                               unicodedata.normalize("NFC", text[:MAX_QUESTION_CHARS]))

    def _repair(self, text: str) -> list[str]:
        raw = tokenize(self._unfilled(text))
        repaired: list[str] = []
        for token in raw:
            repaired.extend(self._repair_shape(token))
        tokens = self._drop_fillers(self._expand(repaired))
        real = self._real_words(text)
        return [self._correct_typo(tokens, i, real) for i in range(len(tokens))]

    # -- steps ---------------------------------------------------------------------------------

    def _expand(self, tokens: Sequence[str]) -> list[str]:
        """Expand abbreviations, then write synonyms one way ('hôm nào' → 'ngày nào')."""
        expanded: list[str] = []
        for token in tokens:
            expanded.extend(self.lexicon.abbreviations.get(token, (token,)))
        return _replace_phrases(expanded, self._synonyms)

    def _drop_fillers(self, tokens: list[str]) -> list[str]:
        return _replace_phrases(tokens, self._fillers)

    def _known(self, token: str) -> bool:
        return (token in self.vocabulary or token in self.lexicon.abbreviations
                or token in self.lexicon.stopwords or token.isdigit())

    def _repair_shape(self, token: str) -> list[str]:
        """Undo Telex/VNI typing and split joined words, but only into known words."""
        if self._known(token) or not self.vocabulary:
            return [token]
        untelexed = undo_telex(token)
        if untelexed != token and self._known(untelexed):
            return [untelexed]
        return self._split_joined(token) or [token]

    def _split_joined(self, token: str) -> list[str] | None:
        """'chuyendoiso' → ['chuyen', 'doi', 'so'] when every piece is a known word."""
        if len(token) < 6 or token.isdigit():
            return None
        best: list[list[str] | None] = [None] * (len(token) + 1)
        best[0] = []
        for end in range(1, len(token) + 1):
            for start in range(max(0, end - 7), end):
                prefix = best[start]
                piece = token[start:end]
                known = piece in self.vocabulary or piece in self.lexicon.abbreviations
                if prefix is not None and len(piece) >= 2 and known:
                    candidate = [*prefix, piece]
                    current = best[end]
                    if current is None or len(candidate) < len(current):
                        best[end] = candidate
        pieces = best[len(token)]
        return pieces if pieces and len(pieces) > 1 else None

    def _real_words(self, text: str) -> frozenset[str]:
        """Folded forms of the words typed with diacritics that the language has: whoever
        typed "huyện" meant it, whatever FAQ word it is one edit from."""
        if self.words is None:
            return frozenset()
        written = _WRITTEN_RE.findall(unicodedata.normalize("NFC", text[:MAX_QUESTION_CHARS]).lower())
        return frozenset(fold(w) for w in written if self.words.is_written_word(w))

    def _correct_typo(self, tokens: list[str], i: int, real: frozenset[str] = frozenset()) -> str:
        """Replace an unknown token by a vocabulary word one or two edits away.

        A correction is taken only with evidence: it forms a known two-word phrase with a
        neighbour, or the token is not even a possible Vietnamese syllable. Otherwise the token
        stays unknown, because real words one edit from FAQ words ("khanh" vs "thanh") must keep
        counting against a match.
        """
        token = tokens[i]
        if (self._known(token) or len(token) < 3 or not self.vocabulary or token in real
                or any(ch.isdigit() for ch in token)):
            return token  # a date or a number is what was asked: "10/10/2026" is not "10/10/2022"
        prev_word = tokens[i - 1] if i > 0 else None
        next_word = tokens[i + 1] if i + 1 < len(tokens) else None
        if self.words is not None and (self.words.is_compound(prev_word or "", token)
                                       or self.words.is_compound(token, next_word or "")):
            return token  # "gia vang", "chu tich": a word of the language, typed bare
        limit = 1 if len(token) <= 5 else 2
        candidates = process.extract(token, self._vocabulary_list, scorer=OSA.distance,
                                     score_cutoff=limit, limit=None)
        best: tuple[int, float, str] | None = None
        for word, distance, _ in candidates:
            in_context = (prev_word, word) in self.bigrams or (word, next_word) in self.bigrams
            rank = (0 if in_context else 1, distance, word)
            if best is None or rank < best:
                best = rank
        if best is None:
            return token
        context_rank, _, word = best
        if context_rank == 0 or not is_syllable(token):
            return word
        return token
