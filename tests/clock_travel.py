"""The clock guard: the whole process (and every `cdsbot` it starts) sees another "today".

`pytest --today 2031-01-01` moves the real clock, as every library reads it, to that date at
09:00 in Asia/Ho_Chi_Minh and lets it run on from there (time-machine, `tick=True`); monotonic
clocks, which asyncio and our timeouts use, are left alone. A test that passes only on the day it
was written reads the real date somewhere instead of the injected clock, and fails here.

Subprocesses inherit the shift through CDSBOT_TEST_CLOCK_OFFSET: tests start `cdsbot` as
`python -m tests.clock_travel ARGS` (see `bot_command`), which moves its clock by the same offset
and then runs the real command line.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

import time_machine

OFFSET_VARIABLE = "CDSBOT_TEST_CLOCK_OFFSET"


def start(offset_seconds: float) -> time_machine.travel:
    """Move this process's clock by `offset_seconds`, ticking on; returns the travel to stop."""
    traveller = time_machine.travel(time.time() + offset_seconds, tick=True)
    traveller.start()
    return traveller


def travel_to(day: dt.date, timezone: dt.tzinfo) -> time_machine.travel:
    """Move this process and its future subprocesses to `day` 09:00 in `timezone`."""
    target = dt.datetime.combine(day, dt.time(9), tzinfo=timezone)
    offset = target.timestamp() - time.time()
    os.environ[OFFSET_VARIABLE] = repr(offset)
    return start(offset)


def bot_command(*args: str) -> list[str]:
    """The argv that runs `cdsbot ARGS` in a subprocess, on the moved clock when there is one."""
    return [sys.executable, "-m", "tests.clock_travel", *args]


if __name__ == "__main__":
    if OFFSET_VARIABLE in os.environ:
        start(float(os.environ[OFFSET_VARIABLE]))
    from bot.cli import main

    sys.argv[0] = "cdsbot"
    main()
