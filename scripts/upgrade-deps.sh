#!/usr/bin/env bash
# Re-locks every dependency to the newest versions pyproject.toml's ranges allow (or only the
# packages named: scripts/upgrade-deps.sh babel aiohttp), shows what changed, then runs the whole
# test suite on the new lock. Commit uv.lock only when the suite passes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev  # the current lock first, so the diff below is against it
before="$(mktemp)"
.tools/bin/uv pip freeze --python .venv/bin/python --exclude-editable > "$before"
if [ "$#" -gt 0 ]; then
    .tools/bin/uv lock --python "${PYTHON:-python3}" $(printf -- '--upgrade-package %s ' "$@")
else
    .tools/bin/uv lock --python "${PYTHON:-python3}" --upgrade
fi
scripts/bootstrap.sh dev
echo "changed versions:"
diff "$before" <(.tools/bin/uv pip freeze --python .venv/bin/python --exclude-editable) \
    | sed -n 's/^[<>] /  /p' || true
rm -f "$before"
scripts/test.sh
