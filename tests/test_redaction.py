"""Personal data never reaches the question log: phone numbers, e-mail addresses, ID-card and
account numbers, street addresses and names introduced as names, with or without diacritics."""

from __future__ import annotations

import pytest

from content.redaction import redact


@pytest.mark.parametrize(("typed", "kept"), [
    ("tôi tên Nguyễn Văn An, sđt 0987654321, email an.nguyen@gmail.com, CCCD 079123456789, "
     "địa chỉ 12 Lê Lợi", "tôi tên [NAME], sđt [PHONE], email [EMAIL], CCCD [ID], địa chỉ [ADDRESS]"),
    ("toi ten nguyen van an o xa my phong muon hoi cuoc thi",
     "toi ten [NAME] o xa my phong muon hoi cuoc thi"),
    ("Tên em là Lê Thị Hoa, em muốn đăng ký", "Tên em là [NAME], em muốn đăng ký"),
    ("họ tên: Trần Văn Bình", "họ tên: [NAME]"),
    ("goi cho minh so 098 765 4321 nhe", "goi cho minh so [PHONE] nhe"),
    ("số của tôi +84 912 345 678", "số của tôi [PHONE]"),
    ("sdt 0283.829.1234", "sdt [PHONE]"),
    ("stk 0071000123456 vietcombank", "stk [ACCOUNT] vietcombank"),
    ("thẻ 4111 1111 1111 1111 bị trừ tiền", "thẻ [ACCOUNT] bị trừ tiền"),
    ("cmnd 212345678 bị mất", "cmnd [ID] bị mất"),
    ("nhà ở số 5 hẻm 3 ấp Mỹ Hòa", "nhà ở [ADDRESS]"),
    ("mình ở 45 Trần Hưng Đạo, hỏi chút", "mình ở [ADDRESS], hỏi chút"),
])
def test_personal_data_is_replaced_and_the_question_kept(typed, kept):
    assert redact(typed) == kept
    assert redact(kept) == kept  # redacting twice changes nothing


@pytest.mark.parametrize("question", [
    "ngày chuyển đổi số quốc gia là ngày nào",
    "Cuộc thi vòng 1 từ 15/9/2024 đến 30/9/2024 phải không?",
    "sự kiện ngày 5/10 lúc 08:00 ở đâu",
    "giải nhất được 5.000.000 đồng à",
    "năm 2024 có bao nhiêu tổ công nghệ số",
    "có 3 tổ công nghệ ở xã mình",
    "tôi là tổ viên tổ công nghệ số",
    "dvctt la gi",
])
def test_questions_without_personal_data_are_unchanged(question):
    assert redact(question) == question
