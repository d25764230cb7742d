"""The report as an Excel workbook: one sheet per breakdown and every visit in "Details".

openpyxl's write-only mode streams rows to temporary files, so a million visits cost about as
much memory as ten.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from content.i18n import Translator
from content.services import ServiceCatalog
from db.reports import Report, VisitRow
from handlers.exports.labels import DETAIL_HEADERS, detail_maker, scope_text, service_names
from handlers.exports.progress import Progress, RowCounter

EXCEL_MAX_ROWS = 1_048_576
"""Rows in one Excel sheet; the details stop two short, for the header and a note."""
DATE_FORMAT = "dd/mm/yyyy"


async def write_xlsx(report: Report, visits: AsyncIterator[VisitRow], path: Path, t: Translator,
                     services: ServiceCatalog, progress: Progress | None = None) -> int:
    """Write the workbook; return the number of visits in its "Details" sheet."""
    book = Workbook(write_only=True)
    _summary_sheet(book, report, t)
    names = service_names(services, t.locale)
    measures = [t("Visits"), t("People"), t("Follow-ups")]
    _table(book, t("By service"), [t("Service"), *measures], [40, 12, 12, 12],
           ([names[row.key], row.visits, row.people, row.follow_ups] for row in report.by_service))
    _table(book, t("By commune"), [t("Commune"), t("Commune code"), *measures],
           [28, 14, 12, 12, 12],
           ([row.key, row.code, row.visits, row.people, row.follow_ups]
            for row in report.by_commune))
    _table(book, t("By team"), [t("Team"), t("Commune"), *measures], [32, 28, 12, 12, 12],
           ([row.name, row.commune, row.visits, row.people, row.follow_ups]
            for row in report.by_team))
    _table(book, t("By day"), [t("Date"), t("Visits"), t("People")], [14, 12, 12],
           ([row.day, row.visits, row.people] for row in report.by_day))
    _table(book, t("Not reported"), [t("Team"), t("Commune")], [32, 28],
           ([row.name, row.commune] for row in report.silent_teams))
    written = await _details_sheet(book, visits, t, services, progress)
    # Zipping the temporary sheet files takes seconds for a big export: not on the event loop.
    await asyncio.to_thread(book.save, path)
    return written


def _summary_sheet(book: Workbook, report: Report, t: Translator) -> None:
    sheet = _sheet(book, t("Summary"), [34, 40])
    title = WriteOnlyCell(sheet, value=t("Guidance visits report"))
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    rows: list[tuple[str, object]] = [
        (t("Scope"), scope_text(report, t)),
        (t("From"), report.start),
        (t("To"), report.end),
        (t("Visits"), report.total.visits),
        (t("People guided"), report.total.people),
        (t("Visits needing a follow-up"), report.total.follow_ups),
        (t("Teams"), len(report.by_team)),
        (t("Teams with no visit"), len(report.silent_teams)),
    ]
    for label, value in rows:
        sheet.append([label, _cell(sheet, value)])


def _table(book: Workbook, name: str, headers: Sequence[str], widths: Sequence[int],
           rows: Iterable[Sequence[object]]) -> None:
    sheet = _sheet(book, name, widths)
    sheet.freeze_panes = "A2"  # the header stays in view
    sheet.append(_header(sheet, headers))
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])


async def _details_sheet(book: Workbook, visits: AsyncIterator[VisitRow], t: Translator,
                         services: ServiceCatalog, progress: Progress | None) -> int:
    sheet = _sheet(book, t("Details"), [12, 30, 24, 10, 30, 8, 50, 24, 16, 40, 36])
    sheet.freeze_panes = "A2"
    sheet.append(_header(sheet, [t(header) for header in DETAIL_HEADERS]))
    cells = detail_maker(t, services)
    limit = EXCEL_MAX_ROWS - 2
    counter = RowCounter(progress)
    async for visit in visits:
        if counter.count == limit:
            sheet.append([t("Excel holds no more rows: only the first {n} visits are listed. "
                            "The CSV export has them all.", n=t.fmt.number(limit))])
            break
        values = cells(visit)
        values[0] = _date_cell(sheet, visit.visit_date)
        sheet.append(values)
        counter.add_one()
    return counter.finish()


def _sheet(book: Workbook, name: str, widths: Sequence[int]) -> WriteOnlyWorksheet:
    # Excel refuses sheet names over 31 characters.
    sheet: WriteOnlyWorksheet = book.create_sheet(name[:31])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    return sheet


def _header(sheet: WriteOnlyWorksheet, headers: Sequence[str]) -> list[WriteOnlyCell]:
    cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    """Dates become real Excel dates shown dd/mm/yyyy; everything else goes in as it is."""
    if isinstance(value, dt.date):
        return _date_cell(sheet, value)
    return value


def _date_cell(sheet: WriteOnlyWorksheet, value: dt.date) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = DATE_FORMAT
    return cell
