"""Report exports for officers: an Excel workbook, a CSV of the visits, a chart, a chat summary.

The workbook writer (openpyxl) is imported when it is first asked for, so that a worker that
only answers questions does not carry it (handlers.reports imports the other exports)."""

from typing import Any

from handlers.exports.chart import render_chart
from handlers.exports.summary import summary_text
from handlers.exports.table import write_csv

__all__ = ["EXCEL_MAX_ROWS", "render_chart", "summary_text", "write_csv", "write_xlsx"]


def __getattr__(name: str) -> Any:
    if name in ("EXCEL_MAX_ROWS", "write_xlsx"):
        from handlers.exports import xlsx

        return getattr(xlsx, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
