"""The reports page's chart of visits per day as inline SVG: every bar is a link to that day's
report (its tables and its rows to download), drawn in the page itself, in well under a
millisecond, so it costs the page nothing and works on a phone without JavaScript. The PNG of
/baocao (matplotlib) stays the download."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from content.i18n import Translator
from db.reports import Report

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 52, 8, 12, 30
"""The plot's margins in the viewBox: the visit counts on the left, the dates under it."""
LABELS = 6
"""At most this many dates under the bars."""


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    href: str
    label: str


@dataclass(frozen=True)
class Tick:
    at: float
    text: str


@dataclass(frozen=True)
class DayChart:
    width: int
    height: int
    plot_left: int
    plot_bottom: int
    plot_right: int
    bars: list[Bar]
    counts: list[Tick]
    """Visit counts on the left axis, with their height."""
    dates: list[Tick]
    """Dates under the bars, with their middle."""


def day_chart(report: Report, t: Translator, scope_query: str = "") -> DayChart:
    """`scope_query`: the scope's URL parameters, kept by each bar's link."""
    days = report.by_day
    top = _round_up(max((row.visits for row in days), default=0))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(days), 1)
    bottom = TOP + plot_height
    bars = []
    for n, row in enumerate(days):
        if not row.visits:
            continue
        height = max(plot_height * row.visits / top, 1.5)  # one visit stays visible
        bars.append(Bar(x=round(LEFT + n * step + step * 0.1, 2), y=round(bottom - height, 2),
                        width=round(max(step * 0.8, 0.8), 2), height=round(height, 2),
                        href=_day_link(row.day, scope_query),
                        label=t("{date}: {visits} visits", date=t.fmt.date(row.day),
                                visits=t.fmt.number(row.visits))))
    counts = [Tick(at=round(bottom - plot_height * part / 4, 2), text=t.fmt.number(top * part // 4))
              for part in range(5)] if top else []
    every = max(1, -(-len(days) // LABELS))
    dates = [Tick(at=round(LEFT + (n + 0.5) * step, 2), text=t.fmt.day_month(row.day))
             for n, row in enumerate(days) if n % every == 0]
    return DayChart(WIDTH, HEIGHT, LEFT, bottom, WIDTH - RIGHT, bars, counts, dates)


def _day_link(day: dt.date, scope_query: str) -> str:
    link = f"/console/reports?from={day.isoformat()}&to={day.isoformat()}"
    return f"{link}&{scope_query}" if scope_query else link


def _round_up(value: int) -> int:
    """The axis's top: 4, 8, 20, 40, 80, 200 … at or above the highest bar, so that its four
    steps (1, 2, 5, 10, 20, 50 …) are whole numbers."""
    if value <= 0:
        return 0
    scale = 1
    while True:
        for base in (4, 8, 20, 40):
            if base * scale >= value:
                return base * scale
        scale *= 10
