"""Personal data out of logged questions (Decree 13/2023/NĐ-CP): what a citizen types is kept for
officers to read, without the phone numbers, e-mail addresses, ID-card and account numbers,
street addresses and names in it.

`redact(text)` replaces each with a marker ([PHONE], [EMAIL], [ID], [ACCOUNT], [ADDRESS],
[NAME]) and keeps the rest of the question as written. It works with and without diacritics,
because citizens often type without them. It errs towards redacting: a long number is taken for
an account or an ID even when it might be something else, since a question about a nine-digit
sum is rare and a leaked ID card number is not.
"""

from __future__ import annotations

import re
import unicodedata

MARKER = re.compile(r"(\[(?:PHONE|EMAIL|ID|ACCOUNT|ADDRESS|NAME)\])")
"""The markers that stand for what was taken out (a group, so re.split keeps them)."""
_SEP = r"[\s.\-]?"
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_ACCOUNT_WORDS = r"(?:stk|s\.?t\.?k|so tai khoan|tai khoan|tk|the|atm|account)"
_ID_WORDS = (r"(?:cccd|cmnd|cmt|can cuoc(?: cong dan)?|chung minh(?: nhan dan| thu)?|"
             r"dinh danh(?: ca nhan)?|so dinh danh|ho chieu|passport|id)")
_DIGITS_NEAR = r"(?:so\s*)?[:#]?\s*((?:\d[\s.\-]?){%d,%d}\d)"
_CARD = re.compile(r"(?<![\d/])(?:\d[ \-]?){12,18}\d(?![\d/])")
_ID_12 = re.compile(r"(?<![\d/])\d{12}(?![\d/])")
_PHONE = re.compile(r"(?<![\w/+])(?:\+?84|0)" + _SEP + r"\d(?:" + _SEP + r"\d){7,9}(?![\d/])")
_STREET_WORDS = r"(?:duong|pho|ngo|ngach|hem|kiet)"
_NAME_TRIGGER = re.compile(
    r"\b(?:(?:toi|em|minh|con|chau|tui|tao|anh|chi)\s+ten(?:\s+la)?|"
    r"ten\s+(?:toi|em|minh|con|chau|tui|cua toi|cua em|cua minh)(?:\s+la)?|"
    r"ho\s+(?:va\s+)?ten(?:\s+la)?|ho ten)\s*[:\-]?\s+")
_NAME_STOP = {"o", "sdt", "so", "dia", "muon", "hoi", "xin", "cho", "nha", "va", "email",
              "cccd", "cmnd", "dien", "sinh", "tuoi", "la", "can", "co", "khong", "duoc", "se",
              "da", "nhe", "a", "ah", "vay", "the", "ma", "de", "voi", "den", "toi", "em"}
"""Words that end a name: what usually follows one ('tôi tên An ở xã …', '… sđt …'). Not
words that are also given names (Minh, Nam, Lâm, Tài, Hiền, Tú, Đăng, Thị)."""
_ADDRESS_TRIGGER = re.compile(r"\b(?:dia chi|d/c|dc|nha (?:o|tai|so)|o so|nha toi o|"
                              r"nha em o|nha minh o)\s*[:\-]?\s+")
_HOUSE_NUMBER = re.compile(r"(?<![\w/])(?:so\s+)?\d{1,4}[a-z]?(?:/\d{1,4}[a-z]?)*\s+"
                           r"(?:" + _STREET_WORDS + r"\s+)?")


def _fold(text: str) -> str:
    """Lower case, no diacritics, đ → d; the same length as `text` (one character each)."""
    folded = []
    for char in text:
        base = unicodedata.normalize("NFD", char.lower())[0]
        folded.append("d" if base == "đ" else base)
    return "".join(folded)


def redact(text: str) -> str:
    """The text with personal data replaced by markers; the rest as written."""
    text = unicodedata.normalize("NFC", text)
    spans: list[tuple[int, int, str]] = []
    folded = _fold(text)
    spans += [(m.start(), m.end(), "[EMAIL]") for m in _EMAIL.finditer(folded)]
    spans += _near(folded, _ACCOUNT_WORDS, 6, 18, "[ACCOUNT]")
    spans += _near(folded, _ID_WORDS, 7, 11, "[ID]")
    spans += [(m.start(), m.end(), "[ACCOUNT]") for m in _CARD.finditer(folded)]
    spans += [(m.start(), m.end(), "[ID]") for m in _ID_12.finditer(folded)]
    spans += [(m.start(), m.end(), "[PHONE]") for m in _PHONE.finditer(folded)]
    spans += _names(text, folded)
    spans += _addresses(text, folded)
    return _apply(text, spans)


def _near(folded: str, words: str, low: int, high: int, marker: str) -> list[tuple[int, int, str]]:
    """Digit runs written right after a keyword (`stk 0123456789`, `cccd: 079…`)."""
    pattern = re.compile(r"\b" + words + r"\b\s*" + _DIGITS_NEAR % (low, high))
    return [(m.start(1), m.end(1), marker) for m in pattern.finditer(folded)]


def _names(text: str, folded: str) -> list[tuple[int, int, str]]:
    """Up to four words after 'tôi tên', 'tên em là', 'họ tên:' …, until a word that is not
    part of a name (ở, sđt, muốn, hỏi …) or punctuation."""
    spans = []
    for match in _NAME_TRIGGER.finditer(folded):
        end = match.end()
        words = 0
        for word in re.finditer(r"[^\W\d_]+", folded[match.end():]):
            between = folded[end:match.end() + word.start()]
            if between.strip() or word.group() in _NAME_STOP or words == 4:
                break
            end = match.end() + word.end()
            words += 1
        if words:
            spans.append((match.end(), end, "[NAME]"))
    return spans


def _addresses(text: str, folded: str) -> list[tuple[int, int, str]]:
    """A house number and the street after it ('12 Lê Lợi', 'số 5 hẻm 3'), and whatever
    follows 'địa chỉ' up to the end of the clause."""
    spans = []
    for match in _ADDRESS_TRIGGER.finditer(folded):
        clause = re.match(r"[^,;.?!\n]*", folded[match.end():])
        assert clause is not None
        if clause.group().strip():
            spans.append((match.end(), match.end() + len(clause.group().rstrip()), "[ADDRESS]"))
    for match in _HOUSE_NUMBER.finditer(folded):
        street = re.match(r"(?:[^\W\d_]+\s?){1,4}", text[match.end():])
        if street is None or not _looks_like_street(text[match.end():match.end() + street.end()],
                                                    match.group()):
            continue
        spans.append((match.start(), match.end() + len(street.group().rstrip()), "[ADDRESS]"))
    return spans


def _looks_like_street(words: str, number: str) -> bool:
    """A street name is capitalised ('Lê Lợi'), or the number said it was a street ('hẻm 3')."""
    if re.search(r"\b" + _STREET_WORDS + r"\s*$", number):
        return True
    first = words.split()
    return bool(first) and all(w[0].isupper() for w in first[:2])


def _apply(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Replace the spans, the first and longest winning where two overlap."""
    result, position = [], 0
    for start, end, marker in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < position:
            continue
        result.append(text[position:start])
        result.append(marker)
        position = end
    result.append(text[position:])
    return "".join(result)
