"""Every message the code shows is translated, in Vietnamese and English."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from content.i18n import LOCALES_DIR, Catalogs

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"t": None, "N_": None, "plural": (1, 2)}


def _message_ids() -> set[str]:
    ids: set[str] = set()
    for folder in ("bot", "handlers", "content", "db"):
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


def _catalog(locale: str):
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=locale)


def test_every_message_in_the_code_has_a_vietnamese_and_english_translation():
    ids = _message_ids()
    assert len(ids) > 50
    for locale in ("vi", "en"):
        catalog = _catalog(locale)
        untranslated = []
        for message_id in ids:
            message = catalog.get(message_id) or next(
                (m for m in catalog if isinstance(m.id, tuple) and m.id[0] == message_id), None)
            strings = message.string if message is not None else None
            if not strings or (isinstance(strings, tuple) and not all(strings)):
                untranslated.append(message_id)
        assert not untranslated, f"{locale}: untranslated {untranslated}"


def test_placeholders_survive_translation():
    catalog = _catalog("vi")
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        for name in ("{n}", "{date}", "{province}", "{title}", "{section}", "{year}", "{command}"):
            assert (name in source) == (name in target), (source, target)


def test_catalogs_compile_at_start_up_and_fall_back_to_vietnamese():
    catalogs = Catalogs()
    assert catalogs.resolve(None, "en-US") == "en"
    assert catalogs.resolve("fr") == "vi"
    assert catalogs.translator("vi")("Contests") == "Cuộc thi"
    assert catalogs.translator("en")("Contests") == "Contests"
    assert catalogs.translator("vi").fmt.vnd(101000) == "101.000\xa0₫"
