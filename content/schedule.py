"""Where a dated item stands relative to today (Asia/Ho_Chi_Minh): upcoming, running or over."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    UPCOMING = "upcoming"
    RUNNING = "running"
    OVER = "over"


@dataclass(frozen=True)
class Standing:
    phase: Phase
    days: int
    """Days until the start (upcoming), until the end (running) or since the end (over)."""


def standing(start: dt.date, end: dt.date, today: dt.date) -> Standing:
    """Upcoming, running (start and end days included) or over, with the matching day count."""
    if today < start:
        return Standing(Phase.UPCOMING, (start - today).days)
    if today <= end:
        return Standing(Phase.RUNNING, (end - today).days)
    return Standing(Phase.OVER, (today - end).days)


def next_yearly(month: int, day: int, today: dt.date) -> dt.date:
    """The next occurrence of a yearly date, today included (10/10 for the Day)."""
    this_year = dt.date(today.year, month, day)
    return this_year if this_year >= today else this_year.replace(year=today.year + 1)


def span_of(item: object, today: dt.date, year: int | None = None) -> tuple[dt.date, dt.date]:
    """First and last day of a contest (its rounds), an event (its sessions), a deadline (its
    next due date) or anything with start and end. Rounds or sessions of several years (next
    year's rounds added to a contest) are editions, one per year they start in: the edition of
    `year` (an answer's), else the one running or next, else the last, so an answer about 2022
    never reads "running" because 2027's rounds were added, nor the years between them."""
    editions: dict[int, tuple[dt.date, dt.date]] = {}
    for start, end in _parts(item, today):
        first, last = editions.get(start.year, (start, end))
        editions[start.year] = (min(first, start), max(last, end))
    if year in editions:
        return editions[year]
    ordered = sorted(editions.values())
    return next((edition for edition in ordered if today <= edition[1]), ordered[-1])


def _parts(item: object, today: dt.date) -> list[tuple[dt.date, dt.date]]:
    rounds = getattr(item, "rounds", None)
    if rounds:
        return [(r.start, r.end) for r in rounds]
    sessions = getattr(item, "sessions", None)
    if sessions:
        return [(s.date, s.date) for s in sessions]
    next_due = getattr(item, "next_due", None)
    if next_due is not None:
        due: dt.date = next_due(today)
        return [(due, due)]
    return [(item.start, item.end)]  # type: ignore[attr-defined]
