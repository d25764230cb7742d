"""The Vietnamese word list keeps real words from being 'repaired' into FAQ words."""

from content.normalize import Lexicon, Normalizer
from content.vietnamese_words import vietnamese_words

VOCABULARY = {"thanh", "pho", "chu", "de", "dich", "vu", "cong"}
BIGRAMS = {("thanh", "pho"), ("dich", "vu"), ("chu", "de")}


def normalizer(with_words: bool = True) -> Normalizer:
    return Normalizer(Lexicon(), VOCABULARY, BIGRAMS, vietnamese_words() if with_words else None)


def test_the_list_is_the_full_dictionary():
    words = vietnamese_words()
    assert len(words.syllables) > 5000
    assert words.is_written_word("huyện") and words.is_written_word("khánh")
    assert not words.is_written_word("huyen")  # bare: could be any of huyền, huyện, huyến
    assert words.is_compound("chu", "tich") and words.is_compound("dien", "thoai")


def test_a_word_typed_with_its_diacritics_is_kept():
    # "khánh" is one edit from "thanh" and "thanh phố" is an FAQ phrase: without the word
    # list it would become "thanh phố", a question the FAQ answers.
    assert normalizer(with_words=False).tokens("khánh phố") == ["thanh", "pho"]
    assert normalizer().tokens("khánh phố") == ["khanh", "pho"]


def test_a_word_of_two_syllables_typed_bare_is_kept():
    assert normalizer(with_words=False).tokens("chu tich vu") == ["chu", "dich", "vu"]
    assert normalizer().tokens("chu tich vu") == ["chu", "tich", "vu"]


def test_typos_that_are_no_word_are_still_repaired():
    assert normalizer().tokens("dicg vu cong") == ["dich", "vu", "cong"]
    assert normalizer().tokens("dịhc vụ công") == ["dich", "vu", "cong"]


def test_dates_and_numbers_are_never_repaired():
    # "10/10/2026" is one edit from the FAQ's "10/10/2022", and is what the person asked.
    vocabulary = Normalizer(Lexicon(), {"uu", "dai", "10/10/2022", "2022"}, {("dai", "10/10/2022")},
                            vietnamese_words())
    assert vocabulary.tokens("ưu đãi 10/10/2026") == ["uu", "dai", "10/10/2026"]
    assert vocabulary.tokens("ưu đãi 2026") == ["uu", "dai", "2026"]
