"""Reading and checking each answer of the visit form. Shared by the guided form and the one-line
quick form, so both accept and refuse exactly the same things.

Each reader returns (value, None) or (None, error) where the error is a Vietnamese-first message
id with its values, to be translated for the user."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from content.i18n import N_, Translator
from content.normalize import fold
from content.places.history import name_key
from content.services import ServiceCatalog
from db.models import OUTCOMES

MAX_ADDRESS_CHARS = 200
MAX_NOTE_CHARS = 500
MAX_OTHER_CHARS = 200


@dataclass(frozen=True)
class FieldError:
    message: str
    values: dict[str, object] = field(default_factory=dict)


def error_text(t: Translator, error: FieldError) -> str:
    """Translate a reader's error, formatting its dates and numbers for the reader's locale."""
    values = {key: t.fmt.date(value) if isinstance(value, dt.date)
              else t.fmt.number(value) if isinstance(value, int) else value
              for key, value in error.values.items()}
    return t(error.message, **values)


_DATE_RE = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2}|\d{4}))?$")
_TODAY_WORDS = {"hom nay", "hnay", "hn", "nay", "today"}
_YESTERDAY_WORDS = {"hom qua", "hqua", "qua", "yesterday"}
_DAY_BEFORE_WORDS = {"hom kia", "hom truoc"}


def parse_day(text: str, today: dt.date) -> tuple[dt.date | None, FieldError | None]:
    """'hôm nay', 'hôm qua', '3/10', '03/10/2024' (day first). A day/month without a year means
    the latest such date not after today."""
    words = " ".join(fold(text).split())
    if words in _TODAY_WORDS:
        return today, None
    if words in _YESTERDAY_WORDS:
        return today - dt.timedelta(days=1), None
    if words in _DAY_BEFORE_WORDS:
        return today - dt.timedelta(days=2), None
    match = _DATE_RE.match(words)
    if match is None:
        return None, FieldError(N_("I could not read “{text}” as a date. Write it as 3/10 or "
                                   "03/10/2024, or “hôm nay” / “hôm qua”."), {"text": text[:40]})
    d, m, y = int(match[1]), int(match[2]), match[3]
    year = (2000 + int(y) if len(y) == 2 else int(y)) if y else today.year
    try:
        day = dt.date(year, m, d)
        if not y and day > today:  # "28/12" typed on 2 January: last year's
            day = day.replace(year=year - 1)
    except ValueError:
        return None, FieldError(N_("{text} is not a real date (day/month). Please check it."),
                                {"text": text[:40]})
    return day, None


def read_date(text: str, today: dt.date, max_age_days: int) -> tuple[dt.date | None, FieldError | None]:
    """A visit's date: readable, not in the future, not older than the window."""
    day, error = parse_day(text, today)
    if day is None:
        return None, error
    if day > today:
        return None, FieldError(N_("{date} is in the future: a visit is logged once it has "
                                   "happened."), {"date": day})
    oldest = today - dt.timedelta(days=max_age_days)
    if day < oldest:
        return None, FieldError(N_("{date} is too long ago: visits can be logged for the last {n} "
                                   "days (from {oldest})."), {"date": day, "n": max_age_days,
                                                               "oldest": oldest})
    return day, None


def read_people(text: str, maximum: int) -> tuple[int | None, FieldError | None]:
    digits = fold(text).strip().removesuffix("nguoi").strip()
    if not re.fullmatch(r"\d{1,6}", digits):
        return None, FieldError(N_("Write the number of people as a whole number, for "
                                   "example 3."))
    people = int(digits)
    if not 1 <= people <= maximum:
        return None, FieldError(N_("The number of people must be between 1 and {maximum}."),
                                {"maximum": maximum})
    return people, None


def read_commune(text: str, communes: Sequence[tuple[str, str]],
                 resolve: Callable[[str], Sequence[str]] = lambda name: ()) -> tuple[
        tuple[str, str | None] | None, FieldError | None]:
    """'Mỹ Phong', 'phường Mỹ Phong' or 'Mỹ Phong, ấp 3' (with or without diacritics): one of the
    team's communes ((code, name) pairs) as its code, and the rest as the hamlet/address.
    `resolve` gives the current communes a former name went into ("xã Tân Mỹ Chánh", "p.5"):
    the first of them that is the team's is taken."""
    name, _, rest = text.partition(",")
    wanted = name_key(name)
    code = next((c for c, commune in communes if wanted and name_key(commune) == wanted), None)
    if code is None and wanted:
        ours = {c for c, _ in communes}
        code = next((c for c in resolve(name) if c in ours), None)
    if code is not None:
        address = rest.strip() or None
        if address and len(address) > MAX_ADDRESS_CHARS:
            return None, FieldError(N_("The address is too long (at most {n} characters)."),
                                    {"n": MAX_ADDRESS_CHARS})
        return (code, address), None
    return None, FieldError(N_("“{text}” is not one of your team's communes: {communes}."),
                            {"text": name.strip()[:40],
                             "communes": ", ".join(commune for _, commune in communes)})


def read_address(text: str) -> tuple[str | None, FieldError | None]:
    address = " ".join(text.split())
    if len(address) > MAX_ADDRESS_CHARS:
        return None, FieldError(N_("The address is too long (at most {n} characters)."),
                                {"n": MAX_ADDRESS_CHARS})
    return address or None, None


def read_services(text: str, catalog: ServiceCatalog) -> tuple[list[str] | None, FieldError | None]:
    codes, unknown = catalog.parse(text)
    if unknown:
        return None, FieldError(N_("I don't know the service “{word}”. Use: {codes}."),
                                {"word": unknown[0][:30], "codes": ", ".join(catalog.codes)})
    if not codes:
        return None, FieldError(N_("Choose at least one service."))
    return codes, None


_OUTCOME_WORDS = {
    "done": {"xong", "da xong", "hoan thanh", "ok", "done", "duoc", "thanh cong"},
    "follow_up": {"can quay lai", "quay lai", "can theo doi", "theo doi", "chua xong",
                  "hen lai", "can ho tro them",
                  "ho tro them", "follow up", "follow-up", "chua"},
}


def read_outcome(text: str) -> tuple[str | None, FieldError | None]:
    words = " ".join(fold(text).split())
    for outcome in OUTCOMES:
        if words in _OUTCOME_WORDS[outcome]:
            return outcome, None
    return None, FieldError(N_("Write “xong” if the resident managed, or “cần quay lại” if the "
                               "team should come back."))


def read_note(text: str) -> tuple[str | None, FieldError | None]:
    note = text.strip()
    if len(note) > MAX_NOTE_CHARS:
        return None, FieldError(N_("The note is too long (at most {n} characters); please "
                                   "shorten it."), {"n": MAX_NOTE_CHARS})
    return note or None, None
