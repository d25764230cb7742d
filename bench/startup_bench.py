"""Start-up benchmark: how long a fresh process takes to be ready, with the start-up cache
(content/build_cache.py) and without it, side by side in the same run.

Each figure is the median of `--repeat` fresh processes: (1) building the services (units,
content, matcher, catalogs) in a process that has imported the bot, cache off vs. cache warm;
(2) whole commands from the shell: `cdsbot ask` (needs the matcher) and `cdsbot teams list`
(the database only), cache off vs. warm.

    .venv/bin/python bench/startup_bench.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = """
import time
import bot.app
from bot.settings import Settings
started = time.perf_counter()
bot.app.build_services(Settings(_env_file=None))
print(time.perf_counter() - started)
"""


def services_seconds(env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", SERVICES], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return float(out.split()[-1])


def command_seconds(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(ROOT / ".venv" / "bin" / "cdsbot"), *args], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{folder}/bench.sqlite3",
                "LOG_LEVEL": "WARNING"}
        off = {**base, "CDSBOT_CACHE_DIR": "off"}
        warm = {**base, "CDSBOT_CACHE_DIR": f"{folder}/cache"}
        services_seconds(warm)  # fills the cache
        command_seconds(warm, "db", "upgrade")
        cases = [
            ("build the services", lambda env: services_seconds(env)),
            ("cdsbot ask (whole process)",
             lambda env: command_seconds(env, "ask", "ngay chuyen doi so la ngay nao")),
            ("cdsbot teams list (whole process)",
             lambda env: command_seconds(env, "teams", "list")),
        ]
        print(f"median of {args.repeat} fresh processes, seconds")
        print("| step | cache off | cache warm | ratio |")
        print("| --- | --- | --- | --- |")
        for name, run in cases:
            cold = statistics.median(run(off) for _ in range(args.repeat))
            hot = statistics.median(run(warm) for _ in range(args.repeat))
            print(f"| {name} | {cold:.2f} | {hot:.2f} | {cold / hot:.1f}x |")


if __name__ == "__main__":
    main()
