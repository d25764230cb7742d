"""The start-up cache: a second process loads what the first built, from the same inputs only;
a changed input, an unreadable file or an unwritable directory means building again, never an
error or a stale answer."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.app import build_services
from bot.settings import Settings
from content.build_cache import KEEP, cached


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("CDSBOT_CACHE_DIR", str(directory))
    return directory


class Builds:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> dict[str, int]:
        self.count += 1
        return {"built": self.count}


def test_the_same_inputs_are_built_once_and_a_changed_input_again(cache, tmp_path):
    source = tmp_path / "pack.yaml"
    source.write_text("a: 1\n")
    build = Builds()
    assert cached("t", [source], build) == {"built": 1}
    assert cached("t", [source], build) == {"built": 1} and build.count == 1
    assert oct(cache.stat().st_mode & 0o777) == "0o700"  # pickles run code: ours only
    source.write_text("a: 2\n")
    assert cached("t", [source], build) == {"built": 2}
    assert cached("t", [source, "other parameter"], build) == {"built": 3}


def test_an_unreadable_cache_file_is_built_again_with_a_warning(cache, tmp_path, caplog):
    build = Builds()
    cached("t", ["x"], build)
    (written,) = cache.glob("t-*.pickle")
    written.write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING):
        assert cached("t", ["x"], build) == {"built": 2}
    assert "unreadable" in caplog.text
    assert cached("t", ["x"], build) == {"built": 2}  # and written again


def test_a_cache_that_cannot_be_written_or_is_off_only_builds(tmp_path, monkeypatch, caplog):
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("CDSBOT_CACHE_DIR", str(blocked / "cache"))  # under a file: no directory
    build = Builds()
    with caplog.at_level(logging.WARNING):
        assert cached("t", ["x"], build) == {"built": 1}
    assert "not written" in caplog.text
    monkeypatch.setenv("CDSBOT_CACHE_DIR", "off")
    cached("t", ["x"], build)
    cached("t", ["x"], build)
    assert build.count == 3


def test_old_builds_are_removed_beyond_the_newest_few(cache):
    for n in range(KEEP + 3):
        cached("t", [str(n)], Builds())
    assert len(list(cache.glob("t-*.pickle"))) == KEEP
    assert not list(cache.glob(".t-*"))  # no half-written file left
    newest = Builds()
    cached("t", [str(KEEP + 2)], newest)
    assert newest.count == 0


def test_a_second_start_answers_exactly_as_the_first(cache):
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    first = build_services(settings)
    assert {path.name.split("-")[0] for path in cache.glob("*.pickle")} >= {"matcher"}
    second = build_services(settings)  # loaded, not built: other objects, same answers
    assert second.matcher is not first.matcher
    for question in ("ngay chuyen doi so quoc gia la ngay nao", "cuoc thi tien giang",
                     "giá vàng hôm nay"):
        assert second.matcher.match(question) == first.matcher.match(question)
    assert second.matcher.match("ngay chuyen doi so quoc gia la ngay nao").matched
    assert second.content.faq.keys() == first.content.faq.keys()
