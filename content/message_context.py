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
YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b")
_QUESTION_SPLIT_RE = re.compile(r"\?+|[;,]?\s+(?:và|va|với lại|voi lai|còn|con|rồi|roi)\s+(?=\S)|[;,]\s*",
                                re.IGNORECASE)
_ASKS_RE = re.compile(r"(?<= )(?:khi nao|bao gio|ngay nao|may gio|o dau|tai dau|cho nao|ai|"
                      r"don vi nao|co quan nao|bao nhieu|may|la gi|nhu the nao|the nao|ra sao|"
                      r"nhung gi|gi|nao|khong|ko|k|chua|link|trang web)(?= )(?! do )")
"""Words that ask; "gì đó", "nào đó" (something, some) do not."""
MIN_QUESTION_WORDS = 5
"""Words each part needs to be read as a question of its own."""


def padded(text: str) -> str:
    """Folded words between spaces, so phrases match on word boundaries (" tien giang ")."""
    return " " + " ".join(tokenize(text)) + " "


def question_clauses(text: str) -> list[str]:
    """A message cut at punctuation and before "cho em hỏi", "muốn hỏi", "nhờ bạn"."""
    return [part.strip() for part in _CLAUSE_RE.split(text) if part and part.strip()]


def separate_questions(text: str) -> list[str]:
    """Two questions in one message ("chủ đề năm 2024 là gì, và Nghệ An báo cáo trước ngày
    nào?") as two texts; a single question, however long, as one. Pieces that do not ask
    anything of their own stay with the piece they lean on."""
    pieces = [p.strip() for p in _QUESTION_SPLIT_RE.split(text) if p and p.strip()]
    questions: list[str] = []
    pending: list[str] = []
    for piece in pieces:
        pending.append(piece)
        text_so_far = padded(" ".join(pending))
        if _ASKS_RE.search(text_so_far) and len(text_so_far.split()) >= MIN_QUESTION_WORDS:
            questions.append(" ".join(pending))
            pending = []
    if pending and questions:
        questions[-1] = " ".join([questions[-1], *pending])
    return questions if len(questions) > 1 else [text]


def places_named(padded: str, places: Places) -> list[tuple[str, str | None]]:
    """The places a padded, folded text names. Names that overlap ("trực tuyến Quảng Ngãi"
    holds "tuyen quang") are settled for a province we have a pack for, then the longer one."""
    found = []
    for place, slug in places:
        start = padded.find(place)
        while start != -1:
            found.append((start, start + len(place) - 1, place, slug))
            start = padded.find(place, start + 1)
    found.sort(key=lambda f: (f[3] is None, -(f[1] - f[0]), f[0]))
    taken: list[tuple[int, int]] = []
    named: dict[str, str | None] = {}
    for start, end, place, slug in found:
        if all(end <= s or start >= e for s, e in taken):
            taken.append((start, end))
            named[place] = slug
    return list(named.items())


def context_words(text: str, places: Places) -> list[str]:
    """The places and years a story names: the question after it is about them."""
    words = padded(text)
    found = [place.strip() for place, _ in places_named(words, places)]
    return [*dict.fromkeys(found), *dict.fromkeys(YEAR_RE.findall(words))]


def is_follow_up(text: str, places: Places) -> bool:
    """'còn …' or only a question word, a place or a year: it leans on the question before."""
    words = padded(text)
    if len(words.split()) > FOLLOW_UP_MAX_WORDS:
        return False
    if _FOLLOW_UP_START.match(words):
        return True
    rest = YEAR_RE.sub(" ", _ASKING_ONLY.sub(" ", words))
    for place, _ in places:
        rest = rest.replace(place, " ")
    return not rest.split() and bool(words.split())


def follow_up(previous: str, follow: str, places: Places) -> str:
    """A short follow-up read with the question before it: "còn ở Nghệ An thì sao?" after a
    question about Tiền Giang's campaign asks about Nghệ An's; a place or a year the follow-up
    names replaces those of the question before."""
    words = _FOLLOW_UP_WORDS.sub(" ", padded(follow))
    before = padded(previous)
    if any(place in words for place, _ in places):
        for place, _ in places:
            before = before.replace(place, " ")
    if YEAR_RE.search(words):
        before = YEAR_RE.sub(" ", before)
    return " ".join(f"{before} {words}".split())
