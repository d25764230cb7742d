#!/usr/bin/env bash
# Makes .venv hold exactly the versions pinned in uv.lock (hashes checked), on a fresh machine too.
# Usage: scripts/bootstrap.sh [dev]. Without "dev": the bot's packages, leaving any dev tools in
# place; with "dev": exactly the lock's runtime and dev packages, nothing else.
# Run by scripts/run.sh and scripts/test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
TOOLS="$ROOT/.tools"
UV="$TOOLS/bin/uv"
WANTED_UV="$(sed -n 's/^uv==\([0-9.]*\).*/\1/p' "$ROOT/scripts/uv-requirements.txt")"

# uv itself comes from PyPI through pip, pinned by the hashes of its wheels.
if [ "$("$UV" --version 2>/dev/null | cut -d' ' -f2)" != "$WANTED_UV" ]; then
    "$PY" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        --no-deps --require-hashes --upgrade --target "$TOOLS" \
        -r "$ROOT/scripts/uv-requirements.txt" 2> >(grep -v "is ignored: it is neither" >&2)
fi

export UV_PROJECT_ENVIRONMENT="$ROOT/.venv" UV_PYTHON="$PY" UV_PYTHON_DOWNLOADS=never
# Bytecode compiled once here: where PYTHONDONTWRITEBYTECODE is set (as on our CI machines) every
# process would otherwise compile SQLAlchemy, PTB and the rest from source at each start (5 s
# instead of 1.5 s for `cdsbot --help`).
export UV_COMPILE_BYTECODE=1
# --locked: refuse to run when uv.lock no longer matches pyproject.toml (re-lock with
# scripts/upgrade-deps.sh), instead of quietly resolving something else.
if [ "${1:-}" = "dev" ]; then
    "$UV" sync --project "$ROOT" --locked --extra dev --quiet
else
    "$UV" sync --project "$ROOT" --locked --inexact --quiet
fi
"$ROOT/.venv/bin/python" -m compileall -q "$ROOT/bot" "$ROOT/handlers" "$ROOT/content" "$ROOT/db" \
    "$ROOT/tests" >/dev/null
