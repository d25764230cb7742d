"""Visits per day as a bar chart (PNG), with the campaign's window shaded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from content.i18n import Translator
from db.reports import Report
from handlers.exports.labels import period_text, scope_text

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn (see chart_figure)
    from matplotlib.figure import Figure

HALF_DAY = dt.timedelta(hours=12)


def render_chart(report: Report, path: Path, t: Translator,
                 window: tuple[dt.date, dt.date] | None = None) -> None:
    """Write the PNG. A Figure without pyplot draws with Agg and keeps no global state, so no
    display is needed and charts can be drawn from any thread."""
    chart_figure(report, t, window).savefig(path, format="png")


def chart_figure(report: Report, t: Translator,
                 window: tuple[dt.date, dt.date] | None = None) -> Figure:
    """The chart: bars per day, the campaign's window shaded when it is part of the period
    (shading the whole plot says nothing), the legend under the plot (never over the bars),
    dates in the reader's locale, as in the title."""
    # Imported here: matplotlib takes longer to import than the rest of the bot, and only
    # reports draw charts, so every other process (the CLI, workers) starts without it.
    from matplotlib.dates import AutoDateLocator, date2num, num2date
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure = Figure(figsize=(10, 4.5), dpi=120, layout="constrained")
    axes = figure.subplots()
    days = date2num([row.day for row in report.by_day])
    axes.bar(days, [row.visits for row in report.by_day], width=0.8, color="#1f6fb2",
             label=t("Visits"))
    if window is not None and (window[0] > report.start or window[1] < report.end):
        # From the start of the first day to the end of the last: bars sit on noon.
        start, end = (date2num(_midnight(day) + offset)
                      for day, offset in ((window[0], -HALF_DAY), (window[1], HALF_DAY)))
        axes.axvspan(start, end, color="#f4a300", alpha=0.18, zorder=0,
                     label=t("Campaign {period}", period=t.fmt.date_range(*window)))
    axes.set_xlim(date2num(_midnight(report.start) - HALF_DAY),
                  date2num(_midnight(report.end) + HALF_DAY))
    locator = AutoDateLocator(minticks=3, maxticks=12)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(FuncFormatter(
        lambda value, _: t.fmt.day_month(num2date(value).date())))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(t("Date"))
    axes.set_ylabel(t("Visits"))
    axes.set_title(t("Visits per day: {scope}, {period}", scope=scope_text(report, t),
                     period=period_text(report, t)))
    axes.grid(axis="y", alpha=0.3)
    figure.legend(loc="outside lower center", ncols=2, frameon=False)
    return figure


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())
