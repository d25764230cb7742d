"""Reading a message in its context: a long story before its question ("hôm qua …, cho em hỏi X
ạ"), and a short follow-up that leans on the question before it ("còn ở Nghệ An thì sao?").
Pure text functions on folded words; `places` are the matcher's padded place names
(" tien giang ") with their pack slugs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from content.normalize import tokenize

Places = Sequence[tuple[str, str | None]]

LONG_MESSAGE_WORDS = 18
"""From this many words on, a message is read as context followed by its question."""
MIN_TAIL_WORDS = 4
"""Content words a long message's last clauses need to be read as a question of their own."""
FOLLOW_UP_MAX_WORDS = 8
_CLAUSE_RE = re.compile(r"[.!?;,\n]+|\s(?=(?:cho (?:em|minh|mình|toi|tôi|tui|chau|cháu|con|anh|chi|chị)"
                        r" (?:hoi|hỏi)|muon hoi|muốn hỏi|nho (?:ban|bạn|bot|ad)|nhờ (?:bạn|bot|ad)|"
                        r"xin hoi|xin hỏi)\b)", re.IGNORECASE)
_FOLLOW_UP_WORDS = re.compile(r"(?<= )(?:thi sao|the nao|the con|vay con|con nua|con|nua|nhi|sao|o)(?= )")
"""'còn … thì sao' only says 'the same question, about this instead'."""
_FOLLOW_UP_START = re.compile(r"^ (?:con|the con|vay con|the|vay|con o|con voi) ")
_ASKING_ONLY = re.compile(r"(?<= )(?:khi nao|bao gio|o dau|tai dau|bao nhieu|ai|ngay nao|may gio|"
                          r"ket thuc|bat dau|keo dai|den bao gio|the nao|la gi|dau|a|ha|vay|the|nhi)(?= )")
"""Words that ask without saying about what ("ở đâu?", "khi nào kết thúc?")."""
_YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b")


def _padded(text: str) -> str:
    return " " + " ".join(tokenize(text)) + " "


def question_clauses(text: str) -> list[str]:
    """A message cut at punctuation and before "cho em hỏi", "muốn hỏi", "nhờ bạn"."""
    return [part.strip() for part in _CLAUSE_RE.split(text) if part and part.strip()]


def context_words(text: str, places: Places) -> list[str]:
    """The places and years a story names: the question after it is about them."""
    padded = _padded(text)
    found = [place.strip() for place, _ in places if place in padded]
    return [*dict.fromkeys(found), *dict.fromkeys(_YEAR_RE.findall(padded))]


def is_follow_up(text: str, places: Places) -> bool:
    """'còn …' or only a question word, a place or a year: it leans on the question before."""
    words = _padded(text)
    if len(words.split()) > FOLLOW_UP_MAX_WORDS:
        return False
    if _FOLLOW_UP_START.match(words):
        return True
    rest = _YEAR_RE.sub(" ", _ASKING_ONLY.sub(" ", words))
    for place, _ in places:
        rest = rest.replace(place, " ")
    return not rest.split() and bool(words.split())


def follow_up(previous: str, follow: str, places: Places) -> str:
    """A short follow-up read with the question before it: "còn ở Nghệ An thì sao?" after a
    question about Tiền Giang's campaign asks about Nghệ An's; a place or a year the follow-up
    names replaces those of the question before."""
    words = _FOLLOW_UP_WORDS.sub(" ", _padded(follow))
    before = _padded(previous)
    if any(place in words for place, _ in places):
        for place, _ in places:
            before = before.replace(place, " ")
    if _YEAR_RE.search(words):
        before = _YEAR_RE.sub(" ", before)
    return " ".join(f"{before} {words}".split())
