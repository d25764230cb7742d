"""What kind of fact a question asks (when, where, who, how many …), read from a few words of the
folded text, and what kinds an FAQ entry can answer (the kinds its phrasings ask).

A match whose entry cannot answer the kind asked is an answer beside the question ("thái bình có
bao nhiêu huyện" → an entry about Thái Bình's district radio): the matcher lowers it below the
threshold, and the closest entries are offered as "perhaps one of these helps" instead.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

# Folded phrases per kind, matched on word boundaries. Order does not matter; a question may ask
# several kinds ("khi nào và ở đâu").
PHRASES: dict[str, tuple[str, ...]] = {
    "when": ("khi nao", "bao gio", "ngay nao", "hom nao", "luc nao", "may gio", "ngay may",
             "thang may", "nam nao", "thoi gian nao", "han chot", "den ngay nao", "tu ngay nao",
             "keo dai den", "gio nao", "dip nao", "bua nao"),
    "where": ("o dau", "tai dau", "cho nao", "noi nao", "dia diem", "o cho nao", "dau vay",
              "dia chi nao"),
    "who": ("ai", "don vi nao", "co quan nao", "nguoi nao", "bo nao", "so nao", "to chuc nao",
            "ai la", "do ai", "ai phu trach", "ai ky"),
    "how_many": ("bao nhieu", "so luong", "may"),
    "what_is": ("la gi", "nghia la gi", "la cai gi", "khai niem", "dinh nghia", "hieu la gi",
                "la sao", "la nhu the nao"),
    "link": ("link", "trang web nao", "website nao", "trang nao", "duong dan", "so dien thoai",
             "hotline", "email", "dia chi web", "url", "sdt", "zalo nao", "fanpage nao", "web nao"),
}
_OFFICE = (r"(?:(?:pho )?(?:chu tich|giam doc|bi thu|bo truong|thu truong|thu tuong|truong ban|"
           r"truong phong|cuc truong|vu truong|tong bi thu|chu nhiem)|(?:nguoi )?dan chuong trinh|mc|"
           r"ca si|nghe si|khach moi|giam khao)")
_OFFICE_HOLDER_RE = re.compile(
    rf"\bai (?:(?:la|dang la|lam|hien la|dang lam) )?{_OFFICE}\b|\b{_OFFICE} (?:nao|ten (?:la )?gi)\b|"
    rf"\b{_OFFICE}\b(?:\s\w+){{0,6}}? (?:la ai|hien nay la ai|bay gio la ai|ten (?:la )?gi)\b")
"""'chủ tịch tỉnh là ai', 'ai là giám đốc sở', 'thủ tướng nào ký', 'ai dẫn chương trình': who
holds an office or a role. The plans name who signed them, never who holds an office now (and
since 2025 the offices have changed): only an entry whose phrasings ask it answers it."""
_CLOCK_TIME_RE = re.compile(r"\b(?:may gio|luc may gio|gio nao|may h|luc nao bat dau|bat dau luc|ket thuc luc|"
                            r"mo cua luc|dong cua luc)\b")
"""'mấy giờ': an hour, which a date does not give."""
_SIGNER_RE = re.compile(r"\b(?:ai ky|nguoi ky|do ai ky|ky boi|ai la nguoi ky|ai da ky|ky ten|chu ky cua ai)\b")
"""'ai ký kế hoạch': the signer, whom only an answer saying who signed gives."""
_DEADLINE_RE = re.compile(r"\b(?:han chot|han cuoi|han nop|het han|thoi han|cham nhat|nop truoc ngay)\b")
"""'hạn chót nộp bài': a deadline, which the date of an award night does not give."""
ENFORCED = ("when", "where", "who", "how_many", "link", "what_is", "office_holder", "clock_time",
            "signer", "deadline")
"""Kinds an answer either contains or does not (a date, a place, a name, a count, a link), and
"what is", which only an entry written as a definition answers (its phrasings ask it). "How" and
"why" are answered by explanations and are not checked this way."""
_COUNTED_RE = re.compile(r"(?<!\bthu )(?<!\bngay )(?<!\bthang )(?<!\bnam )(?<!\bdien )(?<!\bso )"
                         r"\b(?:bao nhieu|may) (\w+)")
_NOT_COUNTED = {"gio", "ngay", "thang", "nam", "thu", "la", "thi", "tien", "phan", "dong", "vay",
                "the", "nhi", "ha", "a", "roi", "day", "nhe", "ak", "z", "j", "gi", "tinh", "moc",
                "chu", "lan", "luot", "bay", "anh", "tren", "duoi", "va", "voi", "cho", "o", "trong",
                "ngoai", "cua", "nua", "khong", "ko", "co", "duoc", "dc", "ve", "den", "tu", "phai"}
"""'mấy giờ' asks when, 'bao nhiêu tiền' money (its own check), 'mấy vậy' nothing counted, and
'máy tính' folds to 'may tinh': no counted noun."""
_NUMBER_NOUN_RE = re.compile(r"\b\d[\d.,]*\s+(\w+)")


_DEFINED_RE = re.compile(r"^(?:(?:cho \w+ hoi|hoi|vay|the) )?((?:\w+ ){1,6}?)(?:la gi|nghia la gi|la cai gi|"
                        r"hieu la gi|la sao|la nhu the nao)\b")
_ATTRIBUTES = frozenset({
    "chu de", "khau hieu", "thong diep", "muc dich", "muc tieu", "y nghia", "ten", "noi dung",
    "nhiem vu", "vai tro", "hinh thuc", "ket qua", "so hieu", "quyet dinh", "ke hoach", "tinh than",
    "yeu cau", "chuong trinh", "hoat dong", "uu dai", "giai thuong", "doi tuong", "phuong cham",
})
"""'Chủ đề … là gì', 'khẩu hiệu … là gì' ask a stated fact, not a definition."""


def _asks_definition(text: str) -> bool:
    """'dịch vụ công trực tuyến là gì': a short subject, defined; not 'khẩu hiệu … là gì'."""
    found = _DEFINED_RE.search(text)
    if found is None:
        return bool(re.search(r"\b(?:khai niem|dinh nghia)\b", text))
    subject = f" {found.group(1).strip()} "
    return not any(f" {attribute} " in subject for attribute in _ATTRIBUTES) and not re.search(r"\d", subject)


_DETERMINER_MAY_RE = re.compile(r"^may (?!gio\b|ngay\b|thang\b|nam\b|lan\b)\w+\b.*\b(?:gi|nao|ten la|ai)\b")
"""A question opening with "mấy X" that asks what or which ("mấy trang Zalo … tên là gì",
"mấy cơ sở … làm kiểu gì") names the Xs; it does not ask how many."""


_NOT_ASKING = {"where": re.compile(r"\b(?:o|tu) dau ra\b")}
"""Phrases with a kind's words that ask something else: "tiền lấy ở đâu ra" asks the source."""


def _pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
                      + r")\b")


_PATTERNS = {kind: _pattern(phrases) for kind, phrases in PHRASES.items()}


def asked_kinds(tokens: Sequence[str]) -> frozenset[str]:
    """The kinds of fact a (folded, tokenised) question asks."""
    text = " ".join(tokens)
    kinds = {kind for kind, pattern in _PATTERNS.items()
             if pattern.search(_NOT_ASKING[kind].sub(" ", text) if kind in _NOT_ASKING else text)}
    if "what_is" in kinds and not _asks_definition(text):
        kinds.discard("what_is")
    if _DEADLINE_RE.search(text):
        kinds.add("deadline")
    if _SIGNER_RE.search(text):
        kinds.add("signer")
    if _CLOCK_TIME_RE.search(text):
        kinds.add("clock_time")
    if _OFFICE_HOLDER_RE.search(text):
        kinds.add("office_holder")
    if "how_many" in kinds and not _counts(text):
        kinds.discard("how_many")  # "mấy giờ", "bao nhiêu tiền": asked as when / money
        if re.search(r"\bmay gio\b", text):
            kinds.add("when")
    return frozenset(kinds)


def counted_nouns(tokens: Sequence[str]) -> frozenset[str]:
    """The nouns a question counts ("bao nhiêu huyện" → huyen)."""
    return frozenset(_counts(" ".join(tokens)))


def _counts(text: str) -> list[str]:
    if _DETERMINER_MAY_RE.search(text) and "bao nhieu" not in text:
        return []
    return [noun for noun in _COUNTED_RE.findall(text) if noun not in _NOT_COUNTED]


# What an answer contains, on its text as written (capitals and digits tell names and dates).
_ANSWER_EVIDENCE: dict[str, re.Pattern[str]] = {
    "when": re.compile(r"\d{1,2}/\d{1,2}|\b(?:[Tt]háng|[Nn]ăm|[Nn]gày|[Qq]uý) \d|\d{1,2} ?(?:giờ|h\b|h\d)"
                       r"|\b(?:[Hh]ằng năm|[Hh]àng năm|[Tt]hứ (?:Hai|Ba|Tư|Năm|Sáu|Bảy|hai|ba|tư|năm|sáu|bảy)"
                       r"|[Cc]hủ nhật|[Hh]ằng tuần|[Hh]àng tuần|[Hh]ằng tháng|[Hh]àng tháng|[Hh]ằng quý|[Hh]àng quý"
                       r"|[Đđ]ịnh kỳ|[Tt]rước ngày|[Đđ]ến ngày)\b"),
    "where": re.compile(r"\b(?:tại|ở|Tại|Ở) (?:[A-ZĐÂĂÊÔƠƯ]|\d|các|mỗi|trụ sở|hội trường|nhà|trung tâm|"
                        r"quảng trường|sân|trang|cổng|kênh)|[Hh]ội trường|[Nn]hà văn hóa|[Qq]uảng trường|"
                        r"[Tt]rực tuyến|[Oo]nline|[Kk]hách sạn|[Tt]rung tâm [A-ZĐ]|[Cc]ổng thông tin|"
                        r"[Tt]rang thông tin|[Đđ]ường [A-ZĐ]|https?://|www\.|\b[\w-]+\.(?:gov\.)?vn\b|"
                        r"[Zz]alo|[Ff]anpage|\btrên (?:các |mọi )?(?:trang|cổng|kênh|báo|đài|mạng|sóng|"
                        r"ứng dụng|phương tiện|hệ thống|Cổng|Báo|Đài)"),
    "who": re.compile(r"\b(?:Bộ|Sở|UBND|Ủy ban|Uỷ ban|Đoàn|Hội|Ban|Cục|Trung tâm|Tỉnh ủy|Tỉnh uỷ|Tổ|"
                      r"Viettel|VNPT|MobiFone|Mobifone|Công ty|công ty|Tập đoàn|tập đoàn|Liên đoàn|"
                      r"Thủ tướng|Chủ tịch|Giám đốc|Phó|Đài|Báo|Bưu điện|Ngân hàng|ngân hàng|Hiệp hội|"
                      r"Trường|Học viện|Văn phòng|Chính phủ|doanh nghiệp|người dân|các tỉnh|"
                      r"cán bộ|thành viên|đoàn viên|giáo viên|học sinh|sinh viên)\b"),
    "how_many": re.compile(r"\d|\b(?:một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười|trăm|nghìn|ngàn|"
                           r"triệu|tỷ|tỉ)\b", re.IGNORECASE),
    "deadline": re.compile(r"[Tt]rước ngày|[Tt]rước \d|[Đđ]ến (?:hết )?ngày|[Cc]hậm nhất|[Hh]ạn\b|[Kk]ết thúc|"
                           r"[Đđ]ến \d{1,2}/|\d - \d{1,2}/|\d{1,2}/\d{1,2}(?:/\d{4})? - \d"),
    "signer": re.compile(r"\b(?:ký|[Kk]ý thay|KT\.|TM\.)"),
    "clock_time": re.compile(r"\d{1,2} ?(?:giờ|h\b|h\d)|\d{1,2}:\d{2}"),
    "link": re.compile(r"https?://|www\.|\b[\w-]+\.(?:gov\.)?vn\b|\b0\d{8,10}\b|[Ff]anpage|"
                       r"[Zz]alo|[Hh]otline|\b1900|\b1800|@"),
}


_WHICH_RE = re.compile(r"(?:^|\s)((?:\w+ )?\w+) nao\b(?! do)")
_NOT_WHICH = frozenset({
    "ngay", "khi", "the", "nhu the", "luc", "thoi gian", "nam", "thang", "gio", "hom", "bua", "dip",
    "cach", "kieu", "don vi", "co quan", "bo", "so", "to chuc", "nguoi", "ai", "cai", "noi", "cho",
    "o cho", "tu ngay", "den ngay", "vao ngay", "vao luc", "tu khi", "bang cach", "ra sao", "loai",
    "dia chi", "trang", "web", "zalo", "thoi diem", "tuan", "buoi", "hoi", "phien", "chuong trinh",
    "hoat dong", "noi dung", "viec", "gi", "van ban", "quyet dinh", "ke hoach", "giai doan",
    "link", "doi tuong", "thoi han", "dv", "nhom", "vi", "cap", "linh vuc", "nganh", "muc",
    "hinh thuc", "phuong tien", "kenh", "san", "ung dung", "nen tang",
})
"""Heads of "… nào" that other kinds read (ngày nào: when; đơn vị nào: who) or that any answer of
the topic names in other words."""


_BEFORE_HEAD = frozenset({"nhung", "cac", "mot", "may", "cai", "loai", "tu", "tren", "vao", "tai", "ve",
                         "o", "thi", "toi", "den", "cho", "voi", "cua", "trong", "ngoai", "lay", "la",
                         "nam", "chuyen", "gia", "y", "tham", "dat", "dung", "do", "bang", "duoi",
                         "to"})
"""Words before the head that are not part of it: "những tỉnh nào", "trên fanpage nào", "dưới
huyện nào", "tờ báo nào"."""


def which_heads(tokens: Sequence[str]) -> frozenset[str]:
    """What a "which …" question asks to be named ("hội trường nào" → "hoi truong", "khách sạn
    nào", "tỉnh nào"): one or two words before "nào"."""
    heads = set()
    for found in _WHICH_RE.finditer(" ".join(tokens)):
        words = found.group(1).split()
        if " ".join(words) in _NOT_WHICH:
            continue
        if len(words) == 2 and words[0] in _BEFORE_HEAD:
            words = words[1:]  # "những tỉnh nào" asks for provinces
        two, one = " ".join(words[-2:]), words[-1]
        if two in _NOT_WHICH or one in _NOT_WHICH:
            continue
        heads.add(two if len(words) == 2 else one)
    return frozenset(heads)


@functools.lru_cache(maxsize=4096)  # every phrasing of an entry asks about the same answer
def evidenced_kinds(answer: str) -> frozenset[str]:
    """The kinds of fact an answer's text shows (a date, a place, a name, a number, a link)."""
    return frozenset(kind for kind, pattern in _ANSWER_EVIDENCE.items() if pattern.search(answer))


def unanswered_kinds(tokens: Sequence[str], answer: str) -> frozenset[str]:
    """Kinds a phrasing asks that the answer does not show: a phrasing asking "ở đâu" for an
    answer without a place makes the entry claim an answer it cannot give."""
    return (asked_kinds(tokens) & frozenset(_ANSWER_EVIDENCE)) - evidenced_kinds(answer)


def answered_kinds(phrasings: Iterable[Sequence[str]], answer: str = "") -> frozenset[str]:
    """The kinds an entry answers: those its phrasings ask, and those its answer shows (a date,
    a place, an organisation or person, a number, a link)."""
    kinds = set(evidenced_kinds(answer))
    for tokens in phrasings:
        kinds |= asked_kinds(tokens)
    return frozenset(kinds)


def answered_counts(phrasings: Iterable[Sequence[str]], answer_tokens: Sequence[str]) -> frozenset[str]:
    """The nouns an entry gives a count of: counted in its phrasings, or a number before them in
    its answer ("63 tỉnh")."""
    nouns: set[str] = set()
    for tokens in phrasings:
        nouns |= counted_nouns(tokens)
    nouns.update(_NUMBER_NOUN_RE.findall(" ".join(answer_tokens)))
    return frozenset(nouns)
