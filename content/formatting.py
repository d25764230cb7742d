"""Dates, times, numbers and money (VND) for the reader's locale, through Babel."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from babel.dates import format_skeleton, format_time, format_timedelta
from babel.numbers import format_currency, format_decimal

_VND_RE = re.compile(r"\{vnd:(\d+)\}")


FORMAT_LOCALES = {"en": "en_GB"}
"""English as written in Vietnam: day first (01/10/2024), like the dates people type to the bot
(1/10) and every Vietnamese date beside it; US month-first dates would read 10/1 as 10 January."""


# Babel takes 10-20 µs a call; a report of 800 days formats thousands of dates and counts, the
# same ones page after page, so they are kept (bounded: a few hundred kB at most).
@lru_cache(maxsize=16384)
def _skeleton(skeleton: str, value: dt.date, locale: str) -> str:
    return format_skeleton(skeleton, value, locale=locale)


@lru_cache(maxsize=16384)
def _decimal(value: float, locale: str) -> str:
    return format_decimal(value, locale=locale)


class Formatter:
    """Locale-bound formatting: `Formatter('vi').date(d)` → '15/9/2022'."""

    def __init__(self, locale: str) -> None:
        self.locale = FORMAT_LOCALES.get(locale, locale)

    def date(self, value: dt.date) -> str:
        return _skeleton("yMd", value, self.locale)

    def day_month(self, value: dt.date) -> str:
        """'1/10' in Vietnamese, '01/10' in English: the locale's own form, as in `date`."""
        return _skeleton("Md", value, self.locale)

    def weekday_date(self, value: dt.date) -> str:
        return format_skeleton("yMEd", value, locale=self.locale)

    def date_range(self, start: dt.date, end: dt.date) -> str:
        if start == end:
            return self.date(start)
        return f"{self.date(start)} – {self.date(end)}"

    def time(self, value: dt.time) -> str:
        return format_time(value, "short", locale=self.locale)

    def duration(self, value: dt.timedelta) -> str:
        """'2 phút' / '2 minutes': the largest sensible unit, rounded."""
        return format_timedelta(value, locale=self.locale)

    def number(self, value: float) -> str:
        return _decimal(value, self.locale)

    def vnd(self, amount: int) -> str:
        return format_currency(amount, "VND", locale=self.locale)

    def render(self, text: str) -> str:
        """Replace `{vnd:1500000}` placeholders written in content with formatted money."""
        return _VND_RE.sub(lambda m: self.vnd(int(m.group(1))), text)
