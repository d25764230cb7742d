import unicodedata

import pytest

from content.normalize import Lexicon, Normalizer, fold, is_syllable, tokenize, undo_telex

LEXICON = Lexicon.from_mapping({
    "abbreviations": {"cds": "chuyen doi so", "cđs": "chuyển đổi số", "qg": "quoc gia",
                      "dvctt": "dich vu cong truc tuyen", "tmđt": "thương mại điện tử",
                      "cnscd": "cong nghe so cong dong", "ko": "khong", "j": "gi"},
    "fillers": ["cho em hỏi", "ạ", "vậy", "ad ơi"],
    "stopwords": ["la", "gi", "nao"],
})
VOCABULARY = ["ngay", "chuyen", "doi", "so", "quoc", "gia", "la", "nao", "cuoc", "thi", "dich",
              "vu", "cong", "truc", "tuyen", "thuong", "mai", "dien", "tu", "nghe", "thanh"]
BIGRAMS = [("chuyen", "doi"), ("doi", "so"), ("quoc", "gia"), ("cuoc", "thi")]


@pytest.fixture
def normalizer() -> Normalizer:
    return Normalizer(LEXICON, VOCABULARY, BIGRAMS)


def test_fold_removes_diacritics_including_d_bar():
    assert fold("Chuyển Đổi Số") == "chuyen doi so"
    assert fold("ĐẮK LẮK Ðà") == "dak lak da"


def test_nfd_and_nfc_fold_to_the_same_text():
    text = "Ngày Chuyển đổi số quốc gia"
    assert fold(unicodedata.normalize("NFD", text)) == fold(unicodedata.normalize("NFC", text))


def test_tone_placement_variants_meet():
    assert fold("hoà thuỷ") == fold("hòa thủy")


def test_tokenize_drops_emoji_punctuation_and_control_characters():
    assert tokenize("🎉 Ngày CĐS!!! \x00\x07 là ngày nào???") == ["ngay", "cds", "la", "ngay", "nao"]


def test_tokenize_writes_dates_one_way():
    assert tokenize("01/10/2022 và 10.10") == ["1/10/2022", "va", "10/10"]


@pytest.mark.parametrize(("typed", "folded"), [
    ("chuyeenr", "chuyen"), ("ddooir", "doi"), ("soos", "so"), ("ngayf", "ngay"),
    ("chuyeern", "chuyen"), ("quoocs", "quoc"), ("chuye6n3", "chuyen"),
])
def test_undo_telex_and_vni(typed, folded):
    assert undo_telex(typed) == folded


def test_telex_sentence_is_repaired_only_into_known_words(normalizer):
    assert normalizer.tokens("chuyeenr ddooir soos") == ["chuyen", "doi", "so"]
    # 'bus' would become 'bu' by Telex rules, but 'bu' is no FAQ word: it stays as typed.
    assert normalizer.tokens("bus") == ["bus"]


def test_abbreviations_with_and_without_diacritics(normalizer):
    assert normalizer.tokens("CĐS QG") == ["chuyen", "doi", "so", "quoc", "gia"]
    assert normalizer.tokens("cds") == ["chuyen", "doi", "so"]
    assert normalizer.tokens("dvctt la j") == ["dich", "vu", "cong", "truc", "tuyen", "la", "gi"]
    assert normalizer.tokens("TMĐT") == ["thuong", "mai", "dien", "tu"]


def test_polite_fillers_are_removed(normalizer):
    assert normalizer.tokens("Ad ơi cho em hỏi ngày cds là ngày nào vậy ạ") == [
        "ngay", "chuyen", "doi", "so", "la", "ngay", "nao"]


def test_joined_words_are_split(normalizer):
    assert normalizer.tokens("chuyendoiso") == ["chuyen", "doi", "so"]


def test_typo_corrected_when_a_neighbour_confirms_it(normalizer):
    assert normalizer.tokens("chuyn doi so") == ["chuyen", "doi", "so"]
    assert normalizer.tokens("cuoc thii") == ["cuoc", "thi"]


def test_real_word_one_edit_away_is_not_corrected(normalizer):
    # 'khanh' (Quốc khánh) is a real syllable one edit from 'thanh': it must stay unknown.
    assert normalizer.tokens("ngay quoc khanh") == ["ngay", "quoc", "khanh"]


def test_impossible_syllable_is_corrected_without_context(normalizer):
    assert not is_syllable("ngyay")
    assert normalizer.tokens("ngyay") == ["ngay"]


def test_very_long_input_is_bounded(normalizer):
    assert len(normalizer.tokens("chuyển đổi số " * 5000)) <= 200


def test_basic_tokens_undo_telex_without_a_vocabulary():
    assert Normalizer(Lexicon()).basic_tokens("ngayf chuyeenr ddooir soos viettel app") == [
        "ngay", "chuyen", "doi", "so", "viettel", "app"]


def test_tt_and_tt_is_the_department_and_diacritic_fillers_go(services):
    tokens = services.matcher.normalizer.tokens
    assert tokens("Sở TT&TT Thái Bình") == ["so", "thong", "tin", "va", "truyen", "thong", "thai", "binh"]
    # "thì" and "cái" typed with their marks are fillers; "thi" (a contest) and "cài" stay.
    assert tokens("cuộc thi thì tổ chức khi nào") == ["cuoc", "thi", "to", "chuc", "khi", "nao"]
    assert tokens("cài cái app nào") == ["cai", "ung", "dung", "nao"]
