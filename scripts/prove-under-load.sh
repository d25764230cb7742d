#!/usr/bin/env bash
# The proof that no test depends on the machine's speed: keeps every core busy with a spinning
# process of its own, runs the whole CI command (scripts/test.sh, with the clock guard) RUNS times
# in a row (default 3), and prints how long each took. Exits non-zero at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
spinners=()
for _ in $(seq "$(nproc)"); do
    python3 -c 'while True: pass' &
    spinners+=("$!")
done
trap 'kill "${spinners[@]}" 2>/dev/null || true' EXIT
echo "load: ${#spinners[@]} spinning processes on $(nproc) cores"
for run in $(seq "$RUNS"); do
    started=$SECONDS
    scripts/test.sh > "/tmp/prove-under-load-$run.log" 2>&1 || {
        echo "run $run FAILED after $((SECONDS - started)) s; see /tmp/prove-under-load-$run.log"
        exit 1
    }
    echo "run $run passed in $((SECONDS - started)) s: $(grep -cE '^[0-9]+ passed' \
        "/tmp/prove-under-load-$run.log") pytest sessions, $(grep -E '^[0-9]+ passed' \
        "/tmp/prove-under-load-$run.log" | head -1)"
done
