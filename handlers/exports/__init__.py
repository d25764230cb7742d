"""Report exports for officers: an Excel workbook, a CSV of the visits, a chart, a chat summary."""

from handlers.exports.chart import render_chart
from handlers.exports.summary import summary_text
from handlers.exports.table import write_csv
from handlers.exports.xlsx import EXCEL_MAX_ROWS, write_xlsx

__all__ = ["EXCEL_MAX_ROWS", "render_chart", "summary_text", "write_csv", "write_xlsx"]
