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


def span_of(item: object, today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of a contest (its rounds), an event (its sessions), a deadline (its
    next due date) or anything with start and end."""
    rounds = getattr(item, "rounds", None)
    if rounds:
        return min(r.start for r in rounds), max(r.end for r in rounds)
    sessions = getattr(item, "sessions", None)
    if sessions:
        return min(s.date for s in sessions), max(s.date for s in sessions)
    next_due = getattr(item, "next_due", None)
    if next_due is not None:
        due: dt.date = next_due(today)
        return due, due
    return item.start, item.end  # type: ignore[attr-defined]
