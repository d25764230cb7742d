"""Content packs: the shipped packs are valid and cite sources; errors name file and entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.settings import DEFAULT_SEEDS_DIR
from content.loader import PACKS_DIR, ContentError, authoring_problems, load_content
from content.question_types import evidenced_kinds

GOOD_FAQ = """
pack: {name}
title: "Test"
province: {{slug: {name}, name: "Test"}}
sources: [{{id: doc, file: "000_a77d798c9b0f12a0.txt", title: "Doc"}}]
faq:
{faq}
"""
QUESTIONS = ('["câu hỏi một", "cau hoi hai", "Đây là câu hỏi thứ ba đầy đủ phải không?", '
             '"cau hoi thu tu khong dau", "ad ơi câu hỏi năm là j v", "câu hỏi sáu", "câu hỏi bảy", '
             '"câu hỏi tám", "câu hỏi chín", "hôm qua tôi có nghe nói về chuyện này ở xã, '
             'cho tôi hỏi lại câu hỏi thứ mười là gì"]')
ENTRY = """  - id: {id}
    topic: day
    questions: """ + QUESTIONS + """
    answer: "Trả lời."
    source: {{doc: doc, section: "I"}}
"""


def test_shipped_content_is_valid_and_rich(services):
    content = services.content
    assert len(content.faq) > 80
    assert {p.slug for p in content.provinces} == {"tien-giang", "thai-binh", "quang-ngai", "nghe-an"}
    for entry in content.faq.values():
        assert len(entry.questions) >= 10, entry.id
        pack = content.faq_pack[entry.id]
        assert content.source_of(pack, entry.source.doc).file.endswith(".txt")


@pytest.mark.skipif(not DEFAULT_SEEDS_DIR.is_dir(), reason="seeds not beside the checkout")
def test_shipped_content_cites_seed_files_that_exist():
    load_content(seeds_dir=DEFAULT_SEEDS_DIR)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _copy_national(folder: Path) -> None:
    shutil.copy(PACKS_DIR / "national.yaml", folder / "national.yaml")


def test_errors_name_the_file_and_the_entry(tmp_path):
    _copy_national(tmp_path)
    faq = ENTRY.format(id="tg-ok") + ENTRY.format(id="tg-bad").replace('topic: day', 'topic: weather')
    _write(tmp_path, "tien-giang", GOOD_FAQ.format(name="tien-giang", faq=faq))
    with pytest.raises(ContentError) as caught:
        load_content(tmp_path)
    [problem] = caught.value.problems
    assert problem.file.endswith("tien-giang.yaml")
    assert problem.entry == "faq[1] tg-bad"
    assert "topic" in problem.message


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda t: t.replace('source: {doc: doc, section: "I"}', 'source: {doc: nosuch, section: "I"}'),
     "source.doc 'nosuch'"),
    (lambda t: t + ENTRY.format(id="tg-one"), "id already used"),
    (lambda t: t.replace(QUESTIONS, '["chỉ một"]'), "questions"),
    (lambda t: t.replace(QUESTIONS, '["câu hỏi một", "cau hoi hai", "cau hoi ba"]'),
     "3 different phrasings, at least 10 wanted"),
    (lambda t: t.replace('"cau hoi hai"', '"câu hỏi hai"').replace('"cau hoi thu tu khong dau"', '"câu hỏi bốn"'),
     "fewer than two phrasings without diacritics"),
    (lambda t: t.replace('"ad ơi câu hỏi năm là j v"', '"câu hỏi năm"'), "no phrasing in phone shorthand"),
    (lambda t: t.replace("hôm qua tôi có nghe nói về chuyện này ở xã, ", ""), "no long message"),
    (lambda t: t.replace("    topic: day\n", "    topic: day\n    schedule: nope\n", 1), "schedule 'nope'"),
    (lambda t: t.replace("faq:", "faq: [oops") , "not valid YAML"),
    (lambda t: t.replace("pack: tien-giang", "pack: elsewhere"), "must match the file name"),
    (lambda t: t.replace('"cau hoi hai"', '"chu de nam 2031"'), "names 2031"),
])
def test_each_kind_of_error_is_reported(tmp_path, mutate, expected):
    _copy_national(tmp_path)
    text = GOOD_FAQ.format(name="tien-giang", faq=ENTRY.format(id="tg-one"))
    _write(tmp_path, "tien-giang", mutate(text))
    with pytest.raises(ContentError) as caught:
        load_content(tmp_path)
    assert any(expected in str(p) for p in caught.value.problems), caught.value.problems


def test_dates_in_wrong_order_are_rejected(tmp_path):
    _copy_national(tmp_path)
    text = GOOD_FAQ.format(name="tien-giang", faq=ENTRY.format(id="tg-one")) + """
promotions:
  - id: tg-promo
    platform: "Voso"
    offer: "giảm giá"
    start: 2022-10-10
    end: 2022-10-01
    source: {doc: doc, section: "I"}
"""
    _write(tmp_path, "tien-giang", text)
    with pytest.raises(ContentError) as caught:
        load_content(tmp_path)
    assert "promotions[0] tg-promo" in str(caught.value)
    assert "before start" in str(caught.value)


def test_unknown_province_setting_is_an_error(tmp_path):
    _copy_national(tmp_path)
    with pytest.raises(ContentError, match="PROVINCE names 'ha-noi'"):
        load_content(tmp_path, provinces=["ha-noi"])


def test_province_setting_limits_the_packs():
    store = load_content(provinces=["nghe-an"])
    assert [p.slug for p in store.provinces] == ["nghe-an"]
    assert any(e.startswith("nat-") for e in store.faq)
    assert not any(e.startswith("tg-") for e in store.faq)


def test_a_phrasing_asking_what_its_answer_does_not_give_is_an_authoring_problem(tmp_path):
    assert authoring_problems(load_content()) == []  # the committed packs
    packs = tmp_path / "packs"
    shutil.copytree(PACKS_DIR, packs)
    national = yaml.safe_load((packs / "national.yaml").read_text(encoding="utf-8"))
    entry = next(e for e in national["faq"] if "where" not in evidenced_kinds(e["answer"]))
    entry["questions"].append("tổ chức ở đâu vậy")
    (packs / "national.yaml").write_text(yaml.safe_dump(national, allow_unicode=True),
                                         encoding="utf-8")
    [problem] = authoring_problems(load_content(packs))
    assert problem.entry == entry["id"] and "where" in problem.message
