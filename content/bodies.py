"""Public bodies renamed or merged since the seed plans were written: an answer that names one
gets a line saying what it is called today (the plan itself keeps the name it was issued under).

- Resolution 176/2025/QH15 of the National Assembly (18/2/2025) set up the Government's
  ministries; the Ministry of Information and Communications became part of the Ministry of
  Science and Technology from 1/3/2025.
- Decree 45/2025/NĐ-CP (28/2/2025) on provincial departments: the provincial Department of
  Information and Communications became part of the Department of Science and Technology.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from content.normalize import fold


@dataclass(frozen=True)
class RenamedBody:
    names: tuple[str, ...]  # as plans write it, folded (regular expressions)
    former: str  # the name people read in the answer
    today: str
    since: dt.date | None


RENAMED = (
    RenamedBody((r"\bbo thong tin va truyen thong\b", r"\bbo tt ?& ?tt\b", r"\bbtttt\b"),
                "Bộ Thông tin và Truyền thông", "Bộ Khoa học và Công nghệ", dt.date(2025, 3, 1)),
    RenamedBody((r"\bso thong tin va truyen thong\b", r"\bso tt ?& ?tt\b", r"\bso tttt\b"),
                "Sở Thông tin và Truyền thông", "Sở Khoa học và Công nghệ", None),
)


def renamed_in(text: str) -> list[RenamedBody]:
    """The renamed bodies a text names, in the order of RENAMED."""
    folded = fold(text)
    return [body for body in RENAMED if any(re.search(name, folded) for name in body.names)]
