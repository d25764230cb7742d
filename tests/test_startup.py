"""`cdsbot run` that cannot start says why in one line, names the setting to change and exits
with 2; the traceback comes only with LOG_LEVEL=DEBUG. Each case is a real process."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clock_travel import bot_command

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def run_bot(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TELEGRAM_", "ZALO_", "DATABASE_", "WEB_", "LOG_"))}
    env.update({"PYTHONPATH": str(ROOT), **settings})
    return subprocess.run(bot_command("run"), cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


def one_line_and_exit_2(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("Cannot start: ") and all(e in lines[0] for e in expected), lines
    assert len(lines) <= 2, lines  # the line, and where to find the details


def test_a_port_in_use_names_web_port(tmp_path: Path, busy_port: int):
    result = run_bot(tmp_path, TELEGRAM_BOT_TOKEN="1:startup-test", WEB_HOST="127.0.0.1",
                     WEB_PORT=str(busy_port), DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    one_line_and_exit_2(result, str(busy_port), "in use", "WEB_PORT")


@pytest.mark.postgres
def test_a_missing_postgresql_database_names_database_url(tmp_path: Path):
    admin = os.environ.get("TEST_POSTGRES_URL")
    if not admin:
        pytest.skip("TEST_POSTGRES_URL is not set")
    url = admin.rsplit("/", 1)[0] + "/cdsbot_no_such_database"
    one_line_and_exit_2(run_bot(tmp_path, DATABASE_URL=url), "cdsbot_no_such_database",
                        "does not exist", "DATABASE_URL")


def test_a_database_server_nobody_runs_names_database_url(tmp_path: Path):
    result = run_bot(tmp_path, DATABASE_URL="postgresql+asyncpg://bot@127.0.0.1:1/cdsbot")
    one_line_and_exit_2(result, "cannot reach", "127.0.0.1:1", "DATABASE_URL")


def test_a_sqlite_file_that_cannot_be_written_names_database_url(tmp_path: Path):
    (tmp_path / "a-file").write_text("not a folder")
    result = run_bot(tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'a-file' / 'bot.db'}")
    one_line_and_exit_2(result, "DATABASE_URL")


def test_the_traceback_comes_with_log_level_debug(tmp_path: Path):
    result = run_bot(tmp_path, DATABASE_URL="postgresql+asyncpg://bot@127.0.0.1:1/cdsbot",
                     LOG_LEVEL="DEBUG")
    assert result.returncode == 2
    assert "Cannot start: cannot reach" in result.stderr and "Traceback" in result.stderr
