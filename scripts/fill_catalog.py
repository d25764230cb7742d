"""Fill empty translations of the vi catalog from a Python dict file (VI = {msgid: text}) and
copy msgids into empty en entries. Usage: .venv/bin/python scripts/fill_catalog.py FILE..."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent.parent / "content" / "locales"


def fill(locale: str, table: dict[str, str] | None) -> list[str]:
    path = LOCALES / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    missing = []
    for message in catalog:
        translated = message.string if isinstance(message.string, str) else any(message.string)
        if not message.id or translated:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if table is None:
            message.string = message.id
        elif key in table:
            message.string = (table[key] if isinstance(message.id, str)
                              else (table[key],) * catalog.num_plurals)
        else:
            missing.append(key)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=76)
    return missing


def main() -> None:
    table: dict[str, str] = {}
    for name in sys.argv[1:]:
        table.update(runpy.run_path(name)["VI"])
    for key in fill("vi", table):
        print(f"untranslated (vi): {key!r}")
    fill("en", None)


if __name__ == "__main__":
    main()
