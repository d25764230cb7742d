"""Babel message catalogs, compiled in memory at start-up (never by hand, never committed as .mo).

Code uses English message ids; `content/locales/<locale>/LC_MESSAGES/messages.po` translates them.
Update the catalogs with `scripts/i18n.sh` (pybabel extract + update).
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from content.formatting import Formatter

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
SUPPORTED_LOCALES = ("vi", "en")
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a message id for extraction where it is defined; translate it where it is shown."""
    return message


def compile_catalog(po_path: Path) -> Translations:
    """Read a .po file and compile it to a gettext catalog in memory."""
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=po_path.parent.parent.name, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


class Translator:
    """Translates message ids for one locale and formats numbers and dates for it."""

    def __init__(self, locale: str, translations: NullTranslations) -> None:
        self.locale = locale
        self._translations = translations
        self.fmt = Formatter(locale)

    def __call__(self, message: str, **values: object) -> str:
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def plural(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = self._translations.ngettext(singular, plural, n)
        return text.format(n=n, **values)


class Catalogs:
    """Every supported locale's catalog, loaded once."""

    def __init__(self, locales_dir: Path = LOCALES_DIR, default_locale: str = "vi") -> None:
        self.default_locale = default_locale
        self._translations: dict[str, NullTranslations] = {}
        for locale in SUPPORTED_LOCALES:
            po_path = locales_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
            self._translations[locale] = compile_catalog(po_path) if po_path.exists() else NullTranslations()

    def resolve(self, *candidates: str | None) -> str:
        """The first supported locale among candidates ('en-US' counts as 'en'), else the default."""
        for candidate in candidates:
            if candidate:
                base = candidate.replace("_", "-").split("-")[0].lower()
                if base in self._translations:
                    return base
        return self.default_locale

    def translator(self, locale: str) -> Translator:
        locale = self.resolve(locale)
        return Translator(locale, self._translations[locale])
