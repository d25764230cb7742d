#!/usr/bin/env bash
# Sets everything up on a fresh machine and runs the whole test suite: lint (ruff), types (mypy),
# content validation and pytest (SQLite always; PostgreSQL at $TEST_POSTGRES_URL, by default the
# local server at 127.0.0.1:5432, database test).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test}"
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/cdsbot content check
exec .venv/bin/pytest -q "$@"
