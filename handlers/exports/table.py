"""Every visit of a report as CSV: UTF-8 with a byte-order mark, which is how Excel knows to
read Vietnamese as UTF-8 rather than the Windows code page."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from pathlib import Path

from content.i18n import Translator
from content.services import ServiceCatalog
from db.reports import VisitRow
from handlers.exports.labels import DETAIL_HEADERS, detail_maker
from handlers.exports.progress import Progress, RowCounter


async def write_csv(visits: AsyncIterator[VisitRow], path: Path, t: Translator,
                    services: ServiceCatalog, progress: Progress | None = None) -> int:
    """Write the header and one line per visit (dates as YYYY-MM-DD); return the visits written."""
    cells = detail_maker(t, services)
    counter = RowCounter(progress)
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([t(header) for header in DETAIL_HEADERS])
        async for visit in visits:
            values = cells(visit)
            values[0] = visit.visit_date.isoformat()
            writer.writerow(values)
            counter.add_one()
    return counter.finish()
