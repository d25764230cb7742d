"""Small talk: greetings, thanks, goodbyes, "who are you", "ok", emoji: not questions about the
plans, so they get a short human reply instead of "I don't know" and are not logged as
unanswered (content/smalltalk.yaml lists the phrases)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from content.normalize import fold, tokenize
from content.yaml_files import load_yaml

SMALLTALK_FILE = Path(__file__).resolve().parent / "smalltalk.yaml"
EMOJI = "emoji"
"""A message of emoji and punctuation only (a sticker-like message)."""
MAX_CHARS = 60
"""Longer messages are questions (or stories) even when they start like small talk."""


PRIORITY = ("identity", "complaint", "thanks", "praise", "wish", "goodbye", "greeting",
            "acknowledgement", "laugh")
"""When a short message mixes kinds ("uh ok cảm ơn nha"), the first kind here answers it."""
MAX_MIXED_TOKENS = 10


@dataclass(frozen=True)
class SmallTalk:
    particles: frozenset[str]
    phrases: dict[str, str]
    """Folded phrase → kind."""
    leading: tuple[tuple[str, ...], ...]
    vocabulary: frozenset[str] = frozenset()
    """Every word of every phrase: a short message made of these only is small talk."""

    @classmethod
    def load(cls, path: Path = SMALLTALK_FILE) -> SmallTalk:
        data = load_yaml(path.read_text(encoding="utf-8"))
        particles = frozenset(" ".join(tokenize(str(p))) for p in data["particles"])
        phrases = {}
        for kind, items in data["kinds"].items():
            for item in items:
                phrases[_key(str(item), particles)] = kind
        leading = tuple(sorted({tuple(tokenize(str(p))) for p in data["leading"]}, key=len,
                               reverse=True))
        vocabulary = frozenset(word for phrase in phrases for word in phrase.split())
        return cls(particles, phrases, leading, vocabulary)

    def kind_of(self, text: str) -> str | None:
        """The kind of small talk the whole message is, or None for anything else."""
        if len(text) > MAX_CHARS:
            return None
        if text.strip() and _only_symbols(text):
            return EMOJI
        key = _key(text, self.particles)
        if not key:  # only particles: "bot ơi", "ad ơi" calls the bot
            return "greeting" if tokenize(text) else None
        if key in self.phrases:
            return self.phrases[key]
        words = key.split()
        opening = self._opening_kind(words)
        if opening is not None:
            return opening
        if len(words) > MAX_MIXED_TOKENS or not set(words) <= self.vocabulary:
            return None
        padded = f" {key} "
        found = {kind for phrase, kind in self.phrases.items()
                 if phrase != _COPULA and f" {phrase} " in padded}
        return next((kind for kind in PRIORITY if kind in found), None)

    def _opening_kind(self, words: list[str]) -> str | None:
        """'cảm ơn, giải thích dễ hiểu lắm', 'chúc bạn một ngày vui vẻ': thanks, wishes, praise
        or complaints followed by a short remark that neither asks nor requests anything."""
        wish = words[:1] == ["chuc"] and words[1:2] not in (["nang"], ["vu"], ["danh"])  # chức năng …
        for size in range(min(len(words), 4), 0, -1):
            kind = "wish" if wish else self.phrases.get(" ".join(words[:size]))
            rest = words[size:]
            if (kind in _REMARK_KINDS and len(rest) <= MAX_REMARK_WORDS and not _ASKS & set(rest)
                    and not any(ch.isdigit() for word in rest for ch in word)):
                return kind
        return None

    def without_leading(self, text: str) -> str:
        """The question after a greeting or thanks ("chào bạn, cho hỏi …" → "cho hỏi …")."""
        tokens = tokenize(text)
        for lead in self.leading:
            if len(tokens) > len(lead) + 1 and tuple(tokens[:len(lead)]) == lead:
                return _after_tokens(text, len(lead))
        return text


_REMARK_KINDS = frozenset({"thanks", "goodbye", "praise", "complaint", "wish"})
MAX_REMARK_WORDS = 5
_ASKS = frozenset({"gi", "nao", "sao", "ai", "dau", "may", "khong", "chua", "hoi", "muon", "xem",
                   "tim", "giup", "cho", "dang", "ky", "j", "bn"})
"""Words that ask or request: after 'cảm ơn' they make a question ('cảm ơn, cho hỏi …', '… khi
nào', '… làm sao'). The particles are gone by then ('nhiều' of 'bao nhiêu' among them)."""


_COPULA = "la"
"""'Bạn là bot à' keeps only 'là' once particles go: whole, it asks who answers; inside a
longer message ('ngày này là ngày gì') it says nothing."""


def _key(text: str, particles: frozenset[str]) -> str:
    raw = fold(text).strip()
    symbols = "".join(ch for ch in raw if not ch.isalnum() and not ch.isspace())
    if raw and symbols == raw.replace(" ", ""):
        return raw.replace(" ", "")  # ":))", "=))"
    tokens = [_NOT.get(t, t) for t in tokenize(text) if t not in particles]
    return " ".join(_squeeze(t) for t in tokens)


_NOT = {spelling: "khong" for spelling in ("ko", "k", "kh", "hong", "hok", "khum", "khog", "kg",
                                            "hem", "khg")}
"""'Không' as phones type it: 'khỏe ko', 'khoẻ khôg' are 'khỏe không'."""


def _squeeze(token: str) -> str:
    """'okkkk' → 'ok', 'hiiii' → 'hi', 'cam onnnn' → 'cam on': letters held down on phones."""
    out: list[str] = []
    for ch in token:
        if len(out) >= 1 and out[-1] == ch and ch.isalpha():
            continue
        out.append(ch)
    squeezed = "".join(out)
    return squeezed if len(squeezed) >= 2 or not token else token


def _only_symbols(text: str) -> bool:
    return not any(unicodedata.category(ch)[0] in "LN" for ch in text)


def _after_tokens(text: str, count: int) -> str:
    """The original text after its first `count` word tokens (and the punctuation after them)."""
    seen, index = 0, 0
    folded = fold(text)
    while index < len(folded) and seen < count:
        while index < len(folded) and not folded[index].isalnum():
            index += 1
        while index < len(folded) and folded[index].isalnum():
            index += 1
        seen += 1
    rest = text[index:].lstrip(" ,.!:;-–—")
    return rest or text
