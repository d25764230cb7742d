"""When a broadcast goes out: the date and time an officer types ("20/11 08:00", "8h30"), read
in Vietnam time, answered as every field reader of handlers/visit_fields.py answers (the value,
or why it cannot be read)."""

from __future__ import annotations

import datetime as dt
import re

from content.i18n import N_
from handlers.context import Context
from handlers.visit_fields import FieldError, parse_day

_DAY_MONTH_RE = re.compile(r"^\d{1,2}\s*[/.-]\s*\d{1,2}$")
_TIME_RE = re.compile(r"^(\d{1,2})\s*[:hg]\s*(\d{2})?$")
ROLLOVER_DAYS = 62
"""A day and month already past this year mean next year's only this close ahead (December's
"5/1"); further off, the officer is asked to write the year."""


def read_when(text: str, ctx: Context) -> tuple[dt.datetime | None, FieldError | None]:
    """'20/11 08:00', '20/11/2026 8h', '8:30' (today) in Vietnam time, as every field reader of
    handlers/visit_fields.py answers: the value, or why it cannot be read."""
    parts = text.strip().split()
    clock = parts[-1] if parts else ""
    day_text = " ".join(parts[:-1]) or "hôm nay"
    match = _TIME_RE.match(clock.lower())
    example = time_example(ctx)
    if match is None or int(match[1]) > 23 or int(match[2] or 0) > 59:
        return None, FieldError(N_("I could not read the time. Write for example {example}."),
                                {"example": example})
    local_today = ctx.today
    day, error = parse_day(day_text, local_today)
    if day is None:
        return None, FieldError(N_("I could not read the date. Write for example {example}."),
                                {"example": example})
    if day < local_today and _DAY_MONTH_RE.match(day_text.strip()):
        upcoming = _next_year(day)  # "5/1" typed in December: next January
        if upcoming is None or (upcoming - local_today).days > ROLLOVER_DAYS:
            return None, FieldError(N_("{date} has passed this year. To schedule it for next "
                                       "year, write the year too, for example {example}."),
                                    {"date": day, "example": f"{day.day}/{day.month}/"
                                                             f"{day.year + 1} {clock}"})
        day = upcoming
    at = dt.datetime.combine(day, dt.time(int(match[1]), int(match[2] or 0)),
                             tzinfo=ctx.services.timezone)
    if at <= ctx.now:
        return None, FieldError(N_("That time has passed. Choose a time in the future."))
    return at, None


def time_example(ctx: Context) -> str:
    """A time to show as an example: tomorrow at 08:00, so the example is never in the past."""
    tomorrow = ctx.today + dt.timedelta(days=1)
    return f"{tomorrow.day}/{tomorrow.month} 08:00"


def _next_year(day: dt.date) -> dt.date | None:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29/2
        return None
