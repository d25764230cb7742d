"""`cdsbot ARGS` run in the test's process as click runs it: the real command code, settings
from the given environment, the exit code, stdout and stderr apart. A second or more saved over
a subprocess each; tests where the process itself is the point start one (bot_command)."""

from __future__ import annotations

import subprocess

from click.testing import CliRunner


def run_cli(*args: str, env: dict[str, str],
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    from bot.cli import main

    result = CliRunner().invoke(main, list(args), input=stdin, env=env)
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout,
                                       result.stderr)
