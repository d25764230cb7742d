"""SIGKILL under load, then a restart: every message the platform delivered is answered, and
only replies that were on their way at the kill may come twice (tests/crash_harness.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crash_harness import kill_and_restart


@pytest.mark.parametrize("channel", ["telegram", "zalo"])
async def test_a_killed_bot_answers_every_message_after_restart(channel: str, database_url: str,
                                                                 tmp_path: Path):
    if "postgresql" in database_url and channel == "telegram":
        pytest.skip("PostgreSQL is covered by the two-worker case below")
    outcome = await kill_and_restart(channel, database_url, tmp_path, messages=200)
    print(outcome.line())
    assert outcome.lost == 0, outcome.line()
    assert outcome.duplicated <= outcome.unsent_at_kill, outcome.line()
    assert outcome.accepted_before_kill < outcome.messages, "the kill came after the last message"


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
async def test_one_of_two_workers_killed_mid_handling_loses_nothing(database_url: str, tmp_path: Path):
    outcome = await kill_and_restart("telegram", database_url, tmp_path, messages=200, workers=2)
    print(outcome.line())
    assert outcome.lost == 0, outcome.line()
    assert outcome.duplicated <= outcome.unsent_at_kill, outcome.line()
