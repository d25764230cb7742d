"""No test reads today's date by accident: every read of the real clock in the tests says why, in
a `# real clock: …` comment on its line or the line above (the broadcast worker and the
platforms run on the real clock; what the bot shows runs on the injected one, `ctx.now`).
The fake platforms (tests/fakes/) stamp messages with the real time, as the platforms do, and
tests/clock_travel.py moves the real clock for the clock guard; both are left out."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REAL_CLOCK = re.compile(r"\b(?:datetime\.now|datetime\.utcnow|date\.today|utcnow|utc_now|"
                        r"time\.time|time\.localtime|time\.gmtime)\(")
EXEMPT = {TESTS / "clock_travel.py", Path(__file__).resolve()}


def _unexplained_reads() -> list[str]:
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        if path in EXEMPT or "fakes" in path.parts:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            code = line.split("#", 1)[0]
            previous = lines[number - 2] if number > 1 else ""
            if REAL_CLOCK.search(code) and "real clock:" not in line + previous:
                found.append(f"{path.relative_to(TESTS.parent)}:{number}: {line.strip()}")
    return found


def test_every_read_of_the_real_clock_in_the_tests_says_why():
    assert _unexplained_reads() == [], "set the injected clock (the `clock` fixture) instead"


def test_the_check_sees_a_bare_read(tmp_path):
    assert REAL_CLOCK.search("today = dt.date.today()")
    assert REAL_CLOCK.search("now = datetime.now(dt.UTC)")
    assert not REAL_CLOCK.search("clock[0] = dt.datetime(2024, 10, 5, 9)")
