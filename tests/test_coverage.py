"""The coverage audit: seed sections read from their headings, citations read as the packs write
them, and the shipped content's open sections only ever shrink."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from content.coverage import audit, cited_codes, seed_sections
from content.loader import load_content

SEED = """KẾ HOẠCH
**I. MỤC ĐÍCH**
**1. Mục đích**
- nâng cao nhận thức
II. NỘI DUNG
1. Chủ đề
2. Hoạt động
a) Tuyên truyền
b) Ra quân ngày 01/10/2024
10/10 là ngày chuyển đổi số
PHỤ LỤC
STT\tNội dung\tĐơn vị
1\tTuyên truyền trên đài\tSở TT&TT
2\tNgày Chủ nhật số\tĐoàn
"""

OPEN_SECTIONS_AT_MOST = 0
"""A ratchet: sections with neither an entry nor a reason; lower it as entries are written."""


def test_sections_get_the_codes_the_packs_cite():
    codes = [s.code for s in seed_sections(SEED)]
    assert codes == ["Phần mở đầu", "I", "I.1", "II", "II.1", "II.2", "II.2.a", "II.2.b",
                     "Phụ lục, nhiệm vụ 1", "Phụ lục, nhiệm vụ 2"]


def test_citations_are_read_as_written():
    assert cited_codes("V.8, V.9") == ["V.8", "V.9"]
    assert cited_codes("II.2-3; VI.13-14") == ["II.2", "II.3", "VI.13", "VI.14"]
    assert cited_codes("Phần mở đầu; I.1") == ["Phần mở đầu", "I.1"]
    assert cited_codes("Phụ lục, nhiệm vụ 3-4") == ["Phụ lục, nhiệm vụ 3", "Phụ lục, nhiệm vụ 4"]
    assert cited_codes("Phụ lục, nhiệm vụ 12, 16") == ["Phụ lục, nhiệm vụ 12", "Phụ lục, nhiệm vụ 16"]


def test_the_shipped_content_leaves_no_more_sections_open_than_before():
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    if settings.seeds_path is None:
        pytest.skip("the seed documents (../shared/seeds or SEEDS_DIR) are not on this machine")
    store = load_content(settings.packs_path, provinces=settings.provinces, seeds_dir=settings.seeds_path)
    files = audit(store, settings.seeds_path)
    assert len(files) == 5
    open_sections = [f"{file} {s.code}" for file, sections in files.items() for s in sections
                     if not s.covered]
    assert open_sections == []
    cited = {s.code for s in files["004_ae6f7a7aa0f3bb59.txt"] if s.entries}
    assert {"I", "III", "IV.1.4"} <= cited
