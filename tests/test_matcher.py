"""The FAQ matcher on the shipped content and on small hand-made indexes."""

import pytest

from content.matcher import FaqDocument, FaqMatcher, missing_slots
from content.normalize import Lexicon
from handlers.context import Services


def answer_of(services: Services, question: str, province: str | None = None) -> str | None:
    result = services.matcher.match(question, province)
    return services.content.faq[result.best.faq_id].answer if result.best else None


@pytest.mark.parametrize("question", [
    "Ngày Chuyển đổi số quốc gia là ngày nào?",
    "ngay chuyen doi so quoc gia la ngay nao",
    "cho em hỏi ngày cđs qg là ngày mấy ạ",
    "chuyeenr ddooir soos quoocs gia laf ngayf naof",
    "NGÀY CHUYỂN ĐỔI SỐ QUỐC GIA LÀ NGÀY NÀO 🤔🤔",
])
def test_the_days_date_in_every_spelling(services, question):
    answer = answer_of(services, question)
    assert answer is not None and "10/10" in answer


@pytest.mark.parametrize("question", [
    "Ngày Quốc khánh là ngày nào?",
    "ngay quoc khanh la ngay nao",
    "Giá vàng hôm nay bao nhiêu?",
    "Cuộc thi Hoa hậu Việt Nam diễn ra khi nào?",
    "số điện thoại cấp cứu là gì",
    "Ngày chuyển đổi số tỉnh Bình Dương là ngày nào?",
    "chủ đề ngày chuyển đổi số năm 2031 là gì",
])
def test_near_misses_are_refused(services, question):
    assert services.matcher.match(question).best is None


def test_the_plans_silence_is_not_answered(services):
    # The Tiền Giang plan gives no prize money: asking for it must not get the contest entry.
    assert answer_of(services, "cuộc thi tìm hiểu chuyển đổi số tiền giang giải nhất bao nhiêu tiền") is None


def test_empty_and_emoji_only_questions_match_nothing(services):
    for question in ["", "   ", "🎉🎉🎉", "???", "\x00\x01"]:
        result = services.matcher.match(question)
        assert result.best is None and result.score == 0.0


def test_sql_looking_text_is_just_text(services):
    assert services.matcher.match("'; DROP TABLE users; --").best is None


def _matcher(*docs: FaqDocument) -> FaqMatcher:
    lexicon = Lexicon.from_mapping({"stopwords": ["la", "gi", "nao", "khi", "o", "dau"]})
    return FaqMatcher(docs, lexicon, {"Tiền Giang": "tien-giang", "Nghệ An": "nghe-an",
                                      "Bình Dương": None})


def test_province_preference_ranks_that_provinces_entry_first():
    matcher = _matcher(
        FaqDocument("tg-report", ["Hạn báo cáo kết quả là ngày nào?"], "31/10/2022", "tien-giang"),
        FaqDocument("na-report", ["Hạn báo cáo kết quả là ngày nào?"], "25/10/2024", "nghe-an"),
    )
    assert matcher.match("han bao cao ket qua", "tien-giang").best.faq_id == "tg-report"
    assert matcher.match("han bao cao ket qua", "nghe-an").best.faq_id == "na-report"


def test_close_entries_are_offered_as_alternatives():
    matcher = _matcher(
        FaqDocument("tg-report", ["Hạn báo cáo kết quả là ngày nào?"], "31/10/2022", "tien-giang"),
        FaqDocument("na-report", ["Hạn báo cáo kết quả là ngày nào?"], "25/10/2024", "nghe-an"),
    )
    result = matcher.match("hạn báo cáo kết quả là ngày nào")
    assert result.best is not None
    assert [c.faq_id for c in result.alternatives] == [
        ({"tg-report", "na-report"} - {result.best.faq_id}).pop()]


def test_a_province_named_in_the_question_beats_the_preference():
    matcher = _matcher(
        FaqDocument("tg-report", ["Hạn báo cáo kết quả ở Tiền Giang?"], "31/10/2022", "tien-giang"),
        FaqDocument("na-report", ["Hạn báo cáo kết quả ở Nghệ An?"], "25/10/2024", "nghe-an"),
    )
    assert matcher.match("han bao cao nghe an", "tien-giang").best.faq_id == "na-report"


def test_a_province_without_a_pack_is_refused():
    matcher = _matcher(FaqDocument("day", ["Ngày chuyển đổi số là ngày nào?"], "10/10"))
    assert matcher.match("ngày chuyển đổi số là ngày nào").best is not None
    assert matcher.match("ngày chuyển đổi số bình dương là ngày nào").best is None


def test_a_year_the_entry_does_not_know_is_refused():
    matcher = _matcher(FaqDocument("theme-2022", ["Chủ đề năm 2022 là gì?"], "Chủ đề năm 2022 …"))
    assert matcher.match("chu de nam 2022 la gi").best is not None
    assert matcher.match("chu de nam 2026 la gi").best is None


def test_missing_slots_read_the_answer():
    lexicon = Lexicon.from_mapping({"answer_slots": {"where": ["dia diem"]}})
    assert missing_slots("Khoảng {vnd:1500000000}.", lexicon) == {"link"}
    assert missing_slots("Xem https://dx.gov.vn.", lexicon) == {"money"}
    assert "where" in missing_slots("Dự kiến trước 10/10. Kế hoạch chưa nêu địa điểm cụ thể.", lexicon)


@pytest.mark.parametrize("question", [
    "thái bình có bao nhiêu huyện",  # a count of something the plans do not count
    "dịch vụ công trực tuyến là gì",  # a definition no entry gives
    "ha noi",  # a place alone: not a word of the Day's entries
    "tiền giang có mấy xã",
    "chủ tịch ubnd tỉnh nghệ an hiện nay là ai",  # the plans name signers, not office-holders
    "lễ phát động ngày chuyển đổi số nghệ an bắt đầu lúc mấy giờ",  # a date, but no hour
    "ưu đãi mua sắm trực tuyến dịp 10/10/2026 là gì",  # a year inside a date no entry names
    "lễ tổng kết cuộc thi tìm hiểu chuyển đổi số tiền giang ở hội trường nào",  # none named
])
def test_an_entry_that_cannot_answer_the_kind_asked_is_not_given(services, question):
    result = services.matcher.match(question)
    assert result.best is None, result.best


def test_asked_kinds_are_read_from_the_words():
    from content.normalize import tokenize
    from content.question_types import asked_kinds, counted_nouns, which_heads

    assert asked_kinds(tokenize("Ngày CĐS là ngày nào?")) >= {"when"}
    assert asked_kinds(tokenize("lễ khai mạc tổ chức ở đâu")) == {"where"}
    assert "how_many" in asked_kinds(tokenize("thái bình có bao nhiêu huyện"))
    assert counted_nouns(tokenize("thái bình có bao nhiêu huyện")) == {"huyen"}
    assert asked_kinds(tokenize("mấy giờ khai mạc")) == {"when", "clock_time"}  # counts nothing
    assert "signer" in asked_kinds(tokenize("ai ký kế hoạch này vậy"))
    assert "deadline" in asked_kinds(tokenize("hạn chót nộp video dự thi là ngày nào"))
    assert "office_holder" in asked_kinds(tokenize("chủ tịch tỉnh nghệ an là ai"))
    assert "office_holder" not in asked_kinds(tokenize("ai ký kế hoạch của tỉnh"))
    assert "what_is" in asked_kinds(tokenize("dịch vụ công trực tuyến là gì"))
    assert "what_is" not in asked_kinds(tokenize("khẩu hiệu ngày cđs tiền giang là gì"))
    assert counted_nouns(tokenize("cài phần mềm trên máy tính")) == frozenset()  # máy, not mấy
    assert "link" in asked_kinds(tokenize("cho xin link đăng ký cuộc thi"))
    assert which_heads(tokenize("chung kết tổ chức ở hội trường nào")) == {"hoi truong"}
    assert which_heads(tokenize("15 tỉnh đó gồm những tỉnh nào")) == {"tinh"}
    assert which_heads(tokenize("cơ quan nào chủ trì, ngày nào, thế nào")) == frozenset()


def test_a_long_message_is_asked_like_its_question(services):
    story = ("hôm qua đi chợ thấy băng rôn, về nhà con hỏi mà bố không biết, cho em hỏi ngày "
             "chuyển đổi số quốc gia là ngày nào ạ")
    answer = answer_of(services, story)
    assert answer is not None and "10/10" in answer


def test_a_tail_too_short_to_be_a_question_is_not_read_alone(services):
    from content.message_context import question_clauses

    assert question_clauses("hôm qua cô tới nhà, cho em hỏi ngày cđs là ngày nào") == [
        "hôm qua cô tới nhà", "cho em hỏi ngày cđs là ngày nào"]


def test_a_phrasing_typed_in_telex_indexes_the_words_it_means():
    # "ngayf … laf gif" written into one entry must not make it the only home of Telex questions.
    matcher = _matcher(
        FaqDocument("tb-event", ["suwj kieenj ngayf chuyeenr ddooir soos thai binh"], "Ngày Chủ nhật số",
                    "tien-giang"),
        FaqDocument("day-date", ["Ngày Chuyển đổi số quốc gia là ngày nào?"], "Ngày 10/10 hằng năm."),
    )
    result = matcher.match("ngayf chuyeenr ddooir soos quoocs gia laf ngayf naof")
    assert result.best is not None and result.best.faq_id == "day-date"


def test_another_provinces_entry_never_answers_a_question_naming_a_province(services):
    for question in ["Đà Nẵng tổ chức tuần lễ chuyển đổi số vào ngày nào?",
                     "Tổ công nghệ số cộng đồng ở TP.HCM ra quân ngày nào?",
                     "quang nam to chuc tuan le chuyen doi so ngay nao"]:
        assert services.matcher.match(question).best is None, question


def test_a_deadline_the_plan_leaves_open_is_not_answered(services):
    # Quảng Ngãi's plan says the video contest's deadline is set elsewhere ("Kế hoạch 140 không nêu").
    assert services.matcher.match("hạn chót nộp video dự thi tổ CNSCĐ QNg là ngày nào").best is None
