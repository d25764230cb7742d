"""One strict reader for the numbers in commands and button payloads: ASCII digits only (not
'²' or '١', which str.isdigit() accepts and int() may refuse), and no larger than a database
integer, so a forged payload can neither crash a handler nor overflow a query."""

from __future__ import annotations

import re

DB_INT_MAX = 2**31 - 1
"""The largest id an INTEGER column holds on PostgreSQL (and the most we accept anywhere)."""
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")


def read_id(text: str, maximum: int = DB_INT_MAX) -> int | None:
    """The number `text` is written as (ASCII digits, 0..maximum), else None."""
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= maximum else None
