#!/usr/bin/env bash
# Sets everything up on a fresh machine (virtualenv, packages, database migrations) and runs the
# bot's main job: every configured channel, or with no tokens the local console chat on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/cdsbot run "$@"
