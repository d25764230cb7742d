#!/usr/bin/env bash
# Sets everything up on a fresh machine and runs the whole test suite: the locked versions, lint
# (ruff), types (mypy), content validation, pytest (SQLite always; PostgreSQL at
# $TEST_POSTGRES_URL, by default the local server at 127.0.0.1:5432, database test), then the
# clock guard: the tests that run in one machine's time again with the real clock moved to other
# days (tests/clock_travel.py).
# With arguments, runs only pytest with them (for example a file or -k EXPR), without the guard.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev
# The browser tests drive Debian's Chromium through Playwright: no browser can be downloaded
# here, so never `playwright install`; the package comes from Debian's archive.
if ! command -v chromium >/dev/null; then
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test}"
# Two test processes (xdist), one per core; a test hung past 120 s fails instead of stalling CI.
PYTEST=(.venv/bin/pytest -q -p no:cacheprovider -n 2 --timeout 120)
if [ "$#" -gt 0 ]; then
    exec "${PYTEST[@]}" "$@"
fi

echo "uv.lock sha256 $(sha256sum uv.lock | cut -d' ' -f1); installed:"
.tools/bin/uv pip freeze --python .venv/bin/python --exclude-editable | sed 's/^/  /'
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/cdsbot content check
"${PYTEST[@]}" --durations=10

# The clock guard: every test of what shows dates, phases, countdowns, schedules, reminders and
# reports, again with the real clock on 29/2/2024: a leap day, with the 2024 campaigns still to
# come and the 2023 ones over, where the main run's real today (after every seed campaign) and
# the tests' clock (5/10/2024, inside a campaign) are neither. One day keeps the whole run within
# CI's ten minutes on two cores (each day adds about 40 s).
# On SQLite only: the SQL is the same on PostgreSQL, whose server clock cannot be moved. Left out:
# the broadcast worker's, rate limiter's and transports' (Telegram, Zalo) tests, which use only
# relative times; the accuracy sets, which read no date; the command-line tests but the one that
# logs a visit (each starts the bot again).
GUARD_TESTS=(tests/test_schedule.py tests/test_content.py tests/test_reminders.py
    tests/test_reports.py tests/test_report_chat.py tests/test_conversations.py
    tests/test_pipeline.py tests/test_intake.py tests/test_housekeeping.py tests/test_visits.py
    tests/test_teams.py tests/test_subscriptions.py
    tests/test_broadcast_chat.py tests/test_broadcast_audience.py tests/test_matcher.py
    tests/test_demo_data.py tests/test_cli.py::test_a_team_member_logs_a_visit_in_the_console)
echo "clock guard: the real clock moved to 2024-02-29"
"${PYTEST[@]}" -m "not postgres" --today 2024-02-29 -k "not test_help_works" "${GUARD_TESTS[@]}"
